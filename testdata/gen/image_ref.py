#!/usr/bin/python3
"""Writes tensor/testdata/image_ref.json: keras.ops.image.affine_transform
on channels-last images for every interpolation and fill mode, computed
with a numpy port of Keras 3's map_coordinates (keras/src/backend/torch/
image.py, which follows jax.scipy.ndimage.map_coordinates) and
affine_transform's coordinates (an output pixel (x, y) samples the input
at column a0*x + a1*y + a2, row b0*x + b1*y + b2), in float32; and the
transforms Keras's RandomRotation, RandomTranslation and RandomZoom build
(_compute_affine_matrix, _get_translation_matrix, _get_zoom_matrix) for
given draws, applied to images in layers/testdata/augmentation_ref.json,
and RandomContrast's (x - mean) * f + mean clipped to [0, 255]. Run from
the repository root."""
import itertools
import json
import math

import numpy as np

rng = np.random.default_rng(21)


def mirror(index, size):
    s = size - 1
    return np.abs((index + s) % (2 * s) - s)


def reflect(index, size):
    return (mirror(2 * index + 1, 2 * size + 1) - 1) // 2


FIXERS = {
    "constant": lambda i, n: np.clip(i, 0, n - 1),
    "nearest": lambda i, n: np.clip(i, 0, n - 1),
    "wrap": lambda i, n: i % n,
    "reflect": reflect,
}


def map_coordinates(inputs, coords, order, fill_mode, fill_value):
    fixer = FIXERS[fill_mode]
    per_axis = []
    for c, size in zip(coords, inputs.shape):
        if order == 0:
            nodes = [(np.round(c).astype(np.int64), np.float32(1))]
        else:
            lower = np.floor(c)
            up = (c - lower).astype(np.float32)
            nodes = [(lower.astype(np.int64), np.float32(1) - up), (lower.astype(np.int64) + 1, up)]
        axis = []
        for index, weight in nodes:
            valid = (0 <= index) & (index < size) if fill_mode == "constant" else np.ones_like(index, bool)
            axis.append((fixer(index, size), valid, weight))
        per_axis.append(axis)
    out = np.zeros(coords[0].shape, np.float32)
    for items in itertools.product(*per_axis):
        idx, valid, weights = zip(*items)
        v = np.where(np.logical_and.reduce(valid), inputs[idx], np.float32(fill_value))
        w = np.float32(1)
        for x in weights:
            w = w * x
        out = out + w * v
    return out


def affine_transform(images, transforms, interpolation, fill_mode, fill_value):
    n, h, w, c = images.shape
    out = np.zeros_like(images)
    yy, xx, cc = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    fx, fy = xx.astype(np.float32), yy.astype(np.float32)
    for i in range(n):
        a0, a1, a2, b0, b1, b2 = [np.float32(v) for v in transforms[i][:6]]
        rows = fx * b0 + fy * b1 + b2
        cols = fx * a0 + fy * a1 + a2
        out[i] = map_coordinates(images[i], [rows, cols, cc.astype(np.float32)],
                                 0 if interpolation == "nearest" else 1, fill_mode, fill_value)
    return out


def rotation_matrix(angle_deg, h, w):
    # _compute_affine_matrix with center 0.5, no translation, scale 1, no shear.
    a = np.float32(angle_deg) * np.float32(math.pi / 180.0)
    cx, cy = np.float32(0.5) * np.float32(w - 1), np.float32(0.5) * np.float32(h - 1)
    cos, sin = np.cos(a), np.sin(a)
    a0, a1 = cos, -sin
    a2 = cx - cx * a0 - cy * a1
    b0, b1 = sin, cos
    b2 = cy - cx * b0 - cy * b1
    return [a0, a1, a2, b0, b1, b2, 0, 0]


def translation_matrix(th, tw, h, w):
    return [1, 0, -np.float32(tw * w), 0, 1, -np.float32(th * h), 0, 0]


def zoom_matrix(zh, zw, h, w):
    zw, zh = np.float32(zw), np.float32(zh)
    return [zw, 0, (np.float32(w) - 1) / 2 * (1 - zw), 0, zh, (np.float32(h) - 1) / 2 * (1 - zh), 0, 0]


cases = []
for interp in ["bilinear", "nearest"]:
    for mode in ["reflect", "wrap", "constant", "nearest"]:
        imgs = rng.uniform(0, 1, size=(3, 5, 6, 2)).astype(np.float32)
        ts = [rotation_matrix(rng.uniform(-180, 180), 5, 6),
              translation_matrix(rng.uniform(-0.6, 0.6), rng.uniform(-0.6, 0.6), 5, 6),
              zoom_matrix(1 + rng.uniform(-0.5, 0.8), 1 + rng.uniform(-0.5, 0.8), 5, 6)]
        ts = [[float(v) for v in t] for t in ts]
        out = affine_transform(imgs, ts, interp, mode, 0.25)
        cases.append({"interpolation": interp, "fill_mode": mode, "fill_value": 0.25, "shape": list(imgs.shape),
                      "x": imgs.flatten().tolist(), "transforms": sum(ts, []), "y": out.flatten().tolist()})

# The layers with a range of one value (so that the draw is known), on
# the default reflect fill and bilinear interpolation.
layer_cases = []
imgs = rng.uniform(0, 1, size=(2, 5, 6, 2)).astype(np.float32)
for name, cfg, t in [
        ("RandomRotation", {"factor": [-0.3, -0.3]}, rotation_matrix(-0.3 * 360.0, 5, 6)),
        ("RandomRotation", {"factor": [0.125, 0.125]}, rotation_matrix(0.125 * 360.0, 5, 6)),
        ("RandomTranslation", {"height_factor": [0.2, 0.2], "width_factor": [-0.3, -0.3]}, translation_matrix(0.2, -0.3, 5, 6)),
        ("RandomZoom", {"height_factor": [0.3, 0.3], "width_factor": [-0.2, -0.2]}, zoom_matrix(1.3, 0.8, 5, 6)),
        ("RandomZoom", {"height_factor": [-0.4, -0.4]}, zoom_matrix(0.6, 0.6, 5, 6))]:
    t = [float(v) for v in t]
    out = affine_transform(imgs, [t, t], "bilinear", "reflect", 0.0)
    layer_cases.append({"class": name, "config": cfg, "shape": list(imgs.shape), "x": imgs.flatten().tolist(),
                        "y": out.flatten().tolist()})
imgs = rng.uniform(0, 255, size=(2, 4, 3, 2)).astype(np.float32)
f = np.float32(1.3)
mean = imgs.mean(axis=1, keepdims=True).mean(axis=2, keepdims=True)
layer_cases.append({"class": "RandomContrast", "config": {"factor": [-0.3, 0.3]}, "shape": list(imgs.shape),
                    "x": imgs.flatten().tolist(), "y": np.clip((imgs - mean) * f + mean, 0, 255).flatten().tolist()})
with open("layers/testdata/augmentation_ref.json", "w") as fh:
    json.dump({"numpy": np.__version__, "cases": layer_cases}, fh)
    fh.write("\n")

imgs = rng.uniform(0, 255, size=(2, 4, 3, 2)).astype(np.float32)
f = np.array([0.5, 1.7], np.float32).reshape(2, 1, 1, 1)
mean = imgs.mean(axis=1, keepdims=True).mean(axis=2, keepdims=True)
contrast = {"shape": list(imgs.shape), "x": imgs.flatten().tolist(), "factor": [0.5, 1.7],
            "y": np.clip((imgs - mean) * f + mean, 0, 255).flatten().tolist()}
with open("tensor/testdata/image_ref.json", "w") as fh:
    json.dump({"numpy": np.__version__, "affine": cases, "contrast": contrast}, fh)
    fh.write("\n")
