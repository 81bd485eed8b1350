"""Writes cifar-10-python.tar.gz and cifar-100-python.tar.gz with 2 images
per batch in the layout and pickle format of the real archives (Python 2
cPickle, protocol 2: see ../../pickle/testdata/gen/make_pickles.py), and
expected.json, what Keras's cifar10.load_data and cifar100.load_data return
for them (load_batch with a restricted unpickler, then the channels_last
transpose). Run in testdata with /usr/bin/python3."""

import io
import json
import os
import pickle
import sys
import tarfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../../pickle/testdata/gen"))
sys.argv = ["x"]
import importlib.util

spec = importlib.util.spec_from_file_location(
    "mp", os.path.join(os.path.dirname(__file__), "../../../pickle/testdata/gen/make_pickles.py")
)
src = open(spec.origin).read().replace("\nmain()\n", "\n")
mp = {}
exec(compile(src, "make_pickles", "exec"), mp)
Py2Writer, Restricted = mp["Py2Writer"], mp["Restricted"]

N = 2
rng = np.random.RandomState(1)


def batch(label_keys):
    data = rng.randint(0, 256, size=(N, 3072)).astype(np.uint8)
    w = Py2Writer()
    w.out += b"}"
    w.put()
    w.out += b"("
    w.str(b"data")
    w.uint8_array(data)
    labels = {}
    for key, top in label_keys:
        labels[key] = [int(v) for v in rng.randint(0, top, size=N)]
        w.str(key.encode())
        w.ints(labels[key])
    w.str(b"batch_label")
    w.str(b"a batch")
    w.out += b"u."
    return bytes(w.out)


def tar(name, members):
    with tarfile.open(name, "w:gz") as t:
        for path, b in members:
            ti = tarfile.TarInfo(path)
            ti.size = len(b)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(b))


def load_batch(b, label_key):
    d = Restricted(io.BytesIO(b), encoding="bytes").load()
    d = {k.decode("utf8"): v for k, v in d.items()}
    data = d["data"].reshape(d["data"].shape[0], 3, 32, 32)
    return data, d[label_key]


expected = {}
c10 = [(f"cifar-10-batches-py/data_batch_{i}", batch([("labels", 10)])) for i in range(1, 6)]
c10.append(("cifar-10-batches-py/test_batch", batch([("labels", 10)])))
c10.insert(0, ("cifar-10-batches-py/batches.meta", b"not read"))
tar("cifar-10-python.tar.gz", c10)
xs, ys = [], []
for _, b in c10[1:6]:
    x, y = load_batch(b, "labels")
    xs.append(x)
    ys += y
xt, yt = load_batch(c10[6][1], "labels")
expected["cifar10"] = {
    "x_train": np.concatenate(xs).transpose(0, 2, 3, 1).ravel().tolist(),
    "y_train": ys,
    "x_test": xt.transpose(0, 2, 3, 1).ravel().tolist(),
    "y_test": list(yt),
}
c100 = [
    ("cifar-100-python/train", batch([("fine_labels", 100), ("coarse_labels", 20)])),
    ("cifar-100-python/test", batch([("fine_labels", 100), ("coarse_labels", 20)])),
]
tar("cifar-100-python.tar.gz", c100)
for mode in ("fine", "coarse"):
    x, y = load_batch(c100[0][1], f"{mode}_labels")
    xt, yt = load_batch(c100[1][1], f"{mode}_labels")
    expected["cifar100_" + mode] = {
        "x_train": x.transpose(0, 2, 3, 1).ravel().tolist(),
        "y_train": list(y),
        "x_test": xt.transpose(0, 2, 3, 1).ravel().tolist(),
        "y_test": list(yt),
    }
json.dump(expected, open("expected.json", "w"))
