#!/usr/bin/python3
"""Records what h5py reads in the Keras-written files kept under
saving/kerasfile/testdata (see the README there for origins and licences):
every group's members and attributes, and every dataset's dtype, shape and
the SHA-256 of its elements as little-endian bytes.

Run from hdf5/testdata: /usr/bin/python3 gen/keras_manifest.py
"""
import hashlib
import json
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from gen import enc_value  # noqa: E402

SRC = "../../saving/kerasfile/testdata"
FILES = ["fdeep_lstm.h5", "kotlindl_lstm.weights.h5", "kotlindl_batchnorm.weights.h5", "kotlindl_mnist.h5"]


def manifest(path):
    out = {"groups": {}, "datasets": {}}

    def visit(p, obj):
        attrs = {k: enc_value(obj.attrs[k]) for k in obj.attrs.keys()}
        if isinstance(obj, h5py.Group):
            out["groups"][p] = {"members": list(obj.keys()), "attrs": attrs, "attr_order": list(obj.attrs.keys())}
            for k in obj.keys():
                visit(p.rstrip("/") + "/" + k, obj[k])
            return
        a = np.asarray(obj[()])
        le = a.astype(a.dtype.newbyteorder("<")) if a.dtype.kind in "iuf" else a
        out["datasets"][p] = {"dtype": obj.dtype.str, "shape": list(obj.shape),
                              "sha256": hashlib.sha256(np.ascontiguousarray(le).tobytes()).hexdigest(),
                              "attrs": attrs, "attr_order": list(obj.attrs.keys())}

    with h5py.File(path, "r") as f:
        visit("/", f["/"])
    return out


if __name__ == "__main__":
    res = {name: manifest(os.path.join(SRC, name)) for name in FILES}
    with open("keras_manifest.json", "w") as fh:
        json.dump(res, fh, sort_keys=True, separators=(",", ":"))
        fh.write("\n")
