"""Writes the pickle fixtures of package pickle's tests.

Run from the package's testdata directory with /usr/bin/python3 (NumPy).

cifar_py2.pkl is a CIFAR python batch as Python 2's cPickle wrote it with
protocol 2 (Python 3 cannot write Python 2 str, so the opcodes are emitted
here the way cPickle emits them). objarray_p3.pkl and objarray_p4.pkl are a
NumPy object array of lists of ints, the form of imdb.npz's x_train member,
as pickle writes it with protocols 3 and 4. Each file is read back with a
restricted unpickler like Keras's, and what it reads is saved in
expected.json for the Go tests.
"""

import io
import json
import pickle
import struct

import numpy as np

ALLOWED = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}


class Restricted(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused {module}.{name}")


class Py2Writer:
    """Emits protocol-2 opcodes as Python 2's cPickle does."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")
        self.memo = 0

    def put(self):
        if self.memo < 256:
            self.out += b"q" + bytes([self.memo])
        else:
            self.out += b"r" + struct.pack("<I", self.memo)
        self.memo += 1

    def int(self, v):
        if 0 <= v < 256:
            self.out += b"K" + bytes([v])
        elif 0 <= v < 65536:
            self.out += b"M" + struct.pack("<H", v)
        else:
            self.out += b"J" + struct.pack("<i", v)

    def str(self, s):  # a Python 2 str: bytes
        if len(s) < 256:
            self.out += b"U" + bytes([len(s)]) + s
        else:
            self.out += b"T" + struct.pack("<I", len(s)) + s
        self.put()

    def ints(self, vs):
        self.out += b"]"
        self.put()
        for i in range(0, len(vs), 1000):  # cPickle's batches of 1000
            self.out += b"("
            for v in vs[i : i + 1000]:
                self.int(v)
            self.out += b"e"

    def strs(self, ss):
        self.out += b"]"
        self.put()
        self.out += b"("
        for s in ss:
            self.str(s)
        self.out += b"e"

    def uint8_array(self, a):
        self.out += b"cnumpy.core.multiarray\n_reconstruct\n"
        self.put()
        self.out += b"cnumpy\nndarray\n"
        self.put()
        self.int(0)
        self.out += b"\x85"
        self.put()
        self.str(b"b")
        self.out += b"\x87"
        self.put()
        self.out += b"R"
        self.put()
        self.out += b"("
        self.int(1)
        for d in a.shape:
            self.int(d)
        self.out += b"\x86" if a.ndim == 2 else b"t"
        self.put()
        self.out += b"cnumpy\ndtype\n"
        self.put()
        self.str(b"u1")
        self.int(0)
        self.int(1)
        self.out += b"\x87"
        self.put()
        self.out += b"R"
        self.put()
        self.out += b"("
        self.int(3)
        self.str(b"|")
        self.out += b"NNN"
        self.out += b"J" + struct.pack("<i", -1)
        self.out += b"J" + struct.pack("<i", -1)
        self.int(0)
        self.out += b"t"
        self.put()
        self.out += b"b\x89"
        self.str(a.tobytes())
        self.out += b"t"
        self.put()
        self.out += b"b"


def cifar_batch():
    rng = np.random.RandomState(0)
    data = rng.randint(0, 256, size=(4, 12)).astype(np.uint8)
    labels = [3, 0, 9, 300]  # 300: BININT2 in a label list
    names = [b"a.png", b"b.png", b"c.png", b"d.png"]
    w = Py2Writer()
    w.out += b"}"
    w.put()
    w.out += b"("
    w.str(b"data")
    w.uint8_array(data)
    w.str(b"labels")
    w.ints(labels)
    w.str(b"batch_label")
    w.str(b"testing batch 1 of 1")
    w.str(b"filenames")
    w.strs(names)
    w.out += b"u."
    return bytes(w.out)


def main():
    expected = {}
    b = cifar_batch()
    d = Restricted(io.BytesIO(b), encoding="bytes").load()
    with open("cifar_py2.pkl", "wb") as f:
        f.write(b)
    expected["cifar_py2.pkl"] = {
        "data": d[b"data"].ravel().tolist(),
        "shape": list(d[b"data"].shape),
        "labels": d[b"labels"],
        "batch_label": d[b"batch_label"].decode(),
    }
    a = np.empty(3, dtype=object)
    a[0] = [1, 14, 22, 16, 43, 530, 973, 1622]
    a[1] = [1, 70000, 5]  # 70000: BININT
    a[2] = list(range(1, 1203))  # more than one APPENDS batch
    for proto in (3, 4):
        name = f"objarray_p{proto}.pkl"
        b = pickle.dumps(a, protocol=proto)
        back = Restricted(io.BytesIO(b)).load()
        with open(name, "wb") as f:
            f.write(b)
        expected[name] = [list(x) for x in back]
    with open("expected.json", "w") as f:
        json.dump(expected, f)


main()
