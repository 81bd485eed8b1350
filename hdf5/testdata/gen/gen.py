#!/usr/bin/python3
"""Writes the HDF5 fixtures of package hdf5 with Debian's h5py (libhdf5).

Run from hdf5/testdata: /usr/bin/python3 gen/gen.py

Each NAME.h5 gets a NAME.json beside it holding what numpy says the file
contains (h5py's member order, every attribute, every dataset's dtype, shape
and flat values), so the Go tests never compare the reader with itself.
"""
import ctypes
import hashlib
import json
import os

import h5py
import numpy as np

rng = np.random.default_rng(19)


def enc_value(v):
    """JSON form of an attribute or dataset value as numpy gives it."""
    if isinstance(v, bytes) and len(v) > 4096:
        return {"kind": "sha256", "shape": None, "value": hashlib.sha256(v).hexdigest()}
    if isinstance(v, bytes):
        return {"kind": "bytes", "shape": None, "value": v.decode("latin-1")}
    if isinstance(v, str):
        return {"kind": "str", "shape": None, "value": v}
    a = np.asarray(v)
    shape = list(a.shape) if a.ndim > 0 or not np.isscalar(v) else None
    if isinstance(v, np.ndarray):
        shape = list(a.shape)
    flat = a.reshape(-1)
    if a.dtype.kind == "S":
        return {"kind": "bytes", "dtype": a.dtype.str, "shape": shape,
                "value": [x.decode("latin-1") for x in flat]}
    if a.dtype.kind == "O":
        return {"kind": "str", "shape": shape,
                "value": [x.decode("utf-8") if isinstance(x, bytes) else x for x in flat]}
    if a.dtype.kind == "b":
        return {"kind": "bool", "shape": shape, "value": [bool(x) for x in flat]}
    if a.dtype.kind in "iu":
        return {"kind": "int", "dtype": a.dtype.str, "shape": shape, "value": [int(x) for x in flat]}
    if a.dtype.kind == "f":
        return {"kind": "float", "dtype": a.dtype.str, "shape": shape, "value": [float(x) for x in flat]}
    raise TypeError(a.dtype)


def describe(f):
    out = {"groups": {}, "datasets": {}}

    def attrs(obj):
        return {k: enc_value(obj.attrs[k]) for k in obj.attrs.keys()}, list(obj.attrs.keys())

    def visit(path, obj):
        if isinstance(obj, h5py.Datatype):
            a, order = attrs(obj)
            out.setdefault("datatypes", {})[path] = {"dtype": obj.dtype.str, "attrs": a, "attr_order": order}
            return
        if isinstance(obj, h5py.Group):
            a, order = attrs(obj)
            out["groups"][path] = {"members": list(obj.keys()), "attrs": a, "attr_order": order}
            for k in obj.keys():
                visit((path.rstrip("/") + "/" + k), obj[k])
        else:
            a, order = attrs(obj)
            if obj.dtype.kind in "SO" or h5py.check_string_dtype(obj.dtype):
                data = obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) and obj.dtype.kind == "O" else obj[()]
            else:
                data = obj[()]
            d = enc_value(np.asarray(data) if not isinstance(data, (bytes, str)) else data)
            d["dtype"] = obj.dtype.str
            d["shape"] = list(obj.shape)
            d["layout"] = obj.id.get_create_plist().get_layout()
            d["chunks"] = list(obj.chunks) if obj.chunks else None
            d["compression"] = obj.compression
            d["shuffle"] = obj.shuffle
            d["fletcher32"] = obj.fletcher32
            d["attrs"] = a
            d["attr_order"] = order
            out["datasets"][path] = d

    # h5py lists a File in name order but the group f["/"] in creation
    # order when tracked; record the group, as Group.Names follows it.
    visit("/", f["/"])
    with open(f.filename, "rb") as fh:
        out["superblock_version"] = fh.read(9)[8] if fh.seek(0) == 0 else None
    return out


def finish(f):
    name = f.filename
    f.close()
    with h5py.File(name, "r") as g:
        desc = describe(g)
    with open(name, "rb") as fh:
        b = fh.read()
    sig = b.find(b"\x89HDF\r\n\x1a\n")
    desc["superblock_version"] = b[sig + 8]
    with open(name[:-3] + ".json", "w") as fh:
        json.dump(desc, fh, sort_keys=True, separators=(",", ":"))
        fh.write("\n")


def common(f):
    """The same content in every layout: groups, attributes and types."""
    f.attrs["keras_version"] = b"2.13.1"          # fixed-length string, as Keras writes
    f.attrs["backend"] = "tensorflow"              # variable-length UTF-8 string
    f.attrs["epochs"] = np.int64(12)
    f.attrs["lr"] = 0.001
    f.attrs["f32"] = np.float32(1.5)
    f.attrs["ints"] = np.array([1, -2, 3], dtype=np.int32)
    f.attrs["floats"] = np.array([0.5, 0.25], dtype=np.float64)
    f.attrs["flag"] = True
    f.attrs["names_vlen"] = ["dense", "dense_1", "ünïcode"]
    mw = f.create_group("model_weights")
    mw.attrs["layer_names"] = np.array([b"dense", b"dense_1", b"dropout"], dtype="S7")
    d = mw.create_group("dense")
    d.attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"])
    dd = d.create_group("dense")
    dd.create_dataset("kernel:0", data=rng.standard_normal((4, 3)).astype(np.float32))
    dd.create_dataset("bias:0", data=np.array([0.1, -0.2, 0.3], dtype=np.float32))
    d1 = mw.create_group("dense_1")
    d1.attrs["weight_names"] = np.array([], dtype="S1")
    mw.create_group("dropout").attrs["weight_names"] = np.array([b"x"])
    t = f.create_group("types")
    t.create_dataset("f64", data=rng.standard_normal(5))
    t.create_dataset("f32be", data=rng.standard_normal((2, 3)).astype(">f4"))
    t.create_dataset("f64be", data=rng.standard_normal(3).astype(">f8"))
    t.create_dataset("f16", data=np.array([1.0, -2.5, 65504, 6.1e-5, 0], dtype=np.float16))
    t.create_dataset("i8", data=np.array([-128, 0, 127], dtype=np.int8))
    t.create_dataset("u8", data=np.array([0, 200, 255], dtype=np.uint8))
    t.create_dataset("i16be", data=np.array([-30000, 1, 30000], dtype=">i2"))
    t.create_dataset("u16", data=np.array([65535, 1], dtype="<u2"))
    t.create_dataset("i32", data=np.arange(-3, 3, dtype=np.int32).reshape(2, 3))
    t.create_dataset("u32be", data=np.array([4000000000, 7], dtype=">u4"))
    t.create_dataset("i64", data=np.array([-(2**62), 2**40, 5], dtype=np.int64))
    t.create_dataset("u64", data=np.array([2**63 + 5, 1], dtype=np.uint64))
    t.create_dataset("bool", data=np.array([True, False, True]))
    t.create_dataset("scalar_f", data=np.float64(3.25))
    t.create_dataset("scalar_i", data=np.int32(-7))
    t.create_dataset("empty", data=np.zeros((0, 3), dtype=np.float32))
    t.create_dataset("str_fixed", data=np.array([b"ab", b"cde", b""], dtype="S4"))
    t.create_dataset("str_vlen", data=["x", "yy", "zzz", ""], dtype=h5py.string_dtype())
    t.create_dataset("str_scalar", data="hello", dtype=h5py.string_dtype())
    t["str_scalar"].attrs["note"] = "attr on a dataset"
    t.create_dataset("big", data=rng.standard_normal((64, 32)).astype(np.float32))
    # A named (committed) datatype shared by a dataset and an attribute.
    f["committed_f4"] = np.dtype(">f4")
    f["committed_f4"].attrs["about"] = "a named type"
    c = f.create_dataset("uses_committed", data=np.array([1.5, -2.5]), dtype=f["committed_f4"])
    c.attrs.create("c", np.float32(3.5), dtype=f["committed_f4"])


def default():
    f = h5py.File("default.h5", "w")
    common(f)
    finish(f)


def v108():
    f = h5py.File("v108.h5", "w", libver=("v108", "v108"))
    common(f)
    finish(f)


def latest():
    f = h5py.File("latest.h5", "w", libver="latest")
    common(f)
    c = f.create_group("chunked")
    x = rng.standard_normal((10, 7)).astype(np.float32)
    c.create_dataset("single", data=x, chunks=(10, 7))                       # single chunk index
    c.create_dataset("single_gzip", data=x, chunks=(10, 7), compression="gzip")
    c.create_dataset("fixed", data=x, chunks=(3, 4))                          # fixed array
    c.create_dataset("fixed_gzip_shuffle", data=x, chunks=(3, 4), compression="gzip", shuffle=True)
    big = rng.standard_normal((300, 2)).astype(np.float32)
    c.create_dataset("fixed_300", data=big, chunks=(1, 2))
    # More than 1024 chunks: the fixed array is split into pages.
    c.create_dataset("fixed_paged", data=np.arange(1100, dtype=np.float32), chunks=(1,))
    c.create_dataset("ext", data=x, chunks=(3, 4), maxshape=(None, 7))        # extensible array
    c.create_dataset("ext_many", data=big, chunks=(1, 2), maxshape=(None, 2))
    c.create_dataset("bt2", data=x, chunks=(3, 4), maxshape=(None, None))     # v2 B-tree
    c.create_dataset("bt2_gzip", data=big, chunks=(2, 1), maxshape=(None, None), compression="gzip")
    c.create_dataset("fletcher", data=x, chunks=(3, 4), fletcher32=True)
    # implicit index: no filters and early allocation
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk((3, 4))
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    sid = h5py.h5s.create_simple((10, 7))
    did = h5py.h5d.create(c.id, b"implicit", h5py.h5t.IEEE_F32LE, sid, dcpl=dcpl)
    did.write(h5py.h5s.ALL, h5py.h5s.ALL, x)
    did.close()
    c.create_dataset("partial", data=np.arange(12, dtype=np.float64).reshape(3, 4), chunks=(2, 3))
    c.create_dataset("unwritten", shape=(4,), dtype=np.float32, chunks=(2,), fillvalue=2.5)
    finish(f)


def chunked_old():
    f = h5py.File("chunked.h5", "w")
    x = rng.standard_normal((20, 9)).astype(np.float32)
    f.create_dataset("plain", data=x, chunks=(4, 4))
    f.create_dataset("gzip", data=x, chunks=(4, 4), compression="gzip", compression_opts=9)
    f.create_dataset("gzip_shuffle", data=x, chunks=(4, 4), compression="gzip", shuffle=True)
    f.create_dataset("shuffle_i64", data=np.arange(50, dtype=np.int64) * 1000003, chunks=(7,), shuffle=True)
    f.create_dataset("fletcher", data=x, chunks=(5, 9), fletcher32=True, compression="gzip")
    f.create_dataset("many", data=rng.standard_normal(2000).astype(np.float32), chunks=(8,))  # deep B-tree
    f.create_dataset("fill", shape=(5, 5), dtype=np.int32, chunks=(2, 2), fillvalue=-1)
    f["fill"][0, 0] = 9
    f.create_dataset("str_chunked", data=["a", "bb", "ccc"], dtype=h5py.string_dtype(), chunks=(2,))
    finish(f)


def compact():
    f = h5py.File("compact.h5", "w")
    for name, arr in [("f32", np.array([[1.5, -2], [3, 4]], dtype=np.float32)),
                      ("i64", np.array([1, 2, 3], dtype=np.int64))]:
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        sid = h5py.h5s.create_simple(arr.shape)
        tid = h5py.h5t.py_create(arr.dtype)
        did = h5py.h5d.create(f.id, name.encode(), tid, sid, dcpl=dcpl)
        did.write(h5py.h5s.ALL, h5py.h5s.ALL, arr)
        did.close()
    finish(f)


def many():
    # Dense attribute storage and dense link storage (fractal heap + v2 B-tree).
    f = h5py.File("many.h5", "w", libver="latest", track_order=True)
    g = f.create_group("attrs", track_order=True)
    for i in range(30):
        g.attrs["attr_%02d" % (29 - i)] = np.arange(i + 1, dtype=np.float64) / 4
    g.attrs["long_string"] = "s" * 5000
    g2 = f.create_group("attrs_untracked")
    for i in range(25):
        g2.attrs["a%d" % (i * 7 % 25)] = np.int32(i)
    links = f.create_group("links", track_order=True)
    for i in range(40):
        links.create_dataset("w%02d" % (39 - i), data=np.full((2,), i, dtype=np.float32))
    l2 = f.create_group("links_untracked")
    for i in range(60):
        l2.create_group("g%d" % (i * 13 % 60))
    l2["soft"] = h5py.SoftLink("/links")
    # An attribute larger than the heap's 4 KiB managed-object limit (and
    # than libver earliest's 64 KiB header messages): a huge heap object.
    h = f.create_group("huge_attr")
    h.attrs["model_config"] = np.bytes_(b"{" + b"x" * 66000 + b"}")
    h.attrs["small"] = 1
    d = f.create_dataset("ds_many_attrs", data=np.zeros(3, dtype=np.float32))
    for i in range(20):
        d.attrs["k%02d" % i] = "v%d" % i
    finish(f)


def sb1():
    # Superblock version 1 needs a non-default indexed-storage K, which h5py
    # only reaches through libhdf5 itself.
    lib = ctypes.CDLL("libhdf5_serial.so.103")
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    if lib.H5Pset_istore_k(ctypes.c_int64(fcpl.id), ctypes.c_uint(64)) < 0:
        raise SystemExit("H5Pset_istore_k failed")
    if lib.H5Pset_sym_k(ctypes.c_int64(fcpl.id), ctypes.c_uint(8), ctypes.c_uint(2)) < 0:
        raise SystemExit("H5Pset_sym_k failed")
    fid = h5py.h5f.create(b"sb1.h5", h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    f = h5py.File(fid)
    for i in range(12):                       # more than 2*leaf K: several SNODs
        f.create_group("g%02d" % i).attrs["i"] = i
    f.create_dataset("c", data=np.arange(30, dtype=np.float32), chunks=(4,), compression="gzip")
    f.create_dataset("x", data=np.arange(6, dtype=np.int16).reshape(3, 2))
    finish(f)


def userblock():
    f = h5py.File("userblock.h5", "w", userblock_size=512)
    f.attrs["a"] = "b"
    f.create_dataset("d", data=np.arange(4, dtype=np.float32))
    finish(f)


if __name__ == "__main__":
    default()
    v108()
    latest()
    chunked_old()
    compact()
    many()
    sb1()
    userblock()
