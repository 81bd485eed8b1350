#!/usr/bin/python3
"""Expected outputs of the Keras-written fixtures, from their weights as
h5py reads them and the layers' formulas in NumPy (Keras's: LSTM gates in
the order i, f, c, o; BatchNormalization at inference
gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta;
'same' padding as TensorFlow pads, more on the bottom/right). Nothing here
uses the Go code. Run from this folder: /usr/bin/python3 gen/expected.py
"""
import json

import h5py
import numpy as np

rng = np.random.default_rng(19)


def legacy_weights(group):
    """Per layer with weights, its arrays in weight_names order."""
    out = []
    for name in group.attrs["layer_names"]:
        g = group[name.decode() if isinstance(name, bytes) else name]
        names = [n.decode() for n in g.attrs["weight_names"]]
        if names:
            out.append([np.array(g[n], dtype=np.float64) for n in names])
    return out


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm(x, kernel, rec, bias, seq):
    n, t, _ = x.shape
    u = rec.shape[0]
    h = np.zeros((n, u))
    c = np.zeros((n, u))
    outs = []
    for s in range(t):
        z = x[:, s] @ kernel + h @ rec + bias
        i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs, axis=1) if seq else h


def conv_same(x, k, b):
    n, hh, ww, _ = x.shape
    kh, kw, _, co = k.shape
    ph, pw = kh - 1, kw - 1
    xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    out = np.zeros((n, hh, ww, co))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nhwc,co->nhwo", xp[:, i:i + hh, j:j + ww, :], k[i, j])
    return out + b


def maxpool_same(x):
    n, hh, ww, c = x.shape
    oh, ow = -(-hh // 2), -(-ww // 2)
    xp = np.full((n, oh * 2, ow * 2, c), -np.inf)
    xp[:, :hh, :ww] = x
    return xp.reshape(n, oh, 2, ow, 2, c).max(axis=(2, 4))


def bn(x, w, eps=1e-3):
    gamma, beta, mean, var = w
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


cases = {}

# kotlindl_mnist.h5: Flatten -> Dense(128, relu) -> Dense(10, softmax).
x = rng.random((3, 28, 28))
with h5py.File("kotlindl_mnist.h5", "r") as f:
    (k1, b1), (k2, b2) = legacy_weights(f["model_weights"])
    opt = f["optimizer_weights"]
    iters = int(np.array(opt["Adam/iter:0"]))
    m0 = float(np.array(opt["Adam/dense_6/kernel/m:0"])[0, 0])
    v_last = float(np.array(opt["Adam/dense_7/bias/v:0"])[-1])
h = np.maximum(x.reshape(3, -1) @ k1 + b1, 0)
cases["kotlindl_mnist"] = {"input_shape": [3, 28, 28], "input": x.ravel().tolist(),
                           "output": softmax(h @ k2 + b2).ravel().tolist(),
                           "iterations": iters, "first_momentum": m0, "last_velocity": v_last}

# kotlindl_lstm: three LSTM(64) (Dropout between, inactive at inference),
# Dense(41), softmax.
x = rng.random((2, 40, 41))
with h5py.File("kotlindl_lstm.weights.h5", "r") as f:
    ws = legacy_weights(f)
y = x
for i, seq in enumerate([True, True, False]):
    y = lstm(y, *ws[i], seq)
k, b = ws[3]
cases["kotlindl_lstm"] = {"input_shape": [2, 40, 41], "input": x.ravel().tolist(),
                          "output": softmax(y @ k + b).ravel().tolist()}

# kotlindl_batchnorm: LeNet-5 with BatchNormalization.
x = rng.random((2, 28, 28, 1))
with h5py.File("kotlindl_batchnorm.weights.h5", "r") as f:
    ws = legacy_weights(f)
y = maxpool_same(np.maximum(bn(conv_same(x, *ws[0]), ws[1]), 0))
y = maxpool_same(np.maximum(bn(conv_same(y, *ws[2]), ws[3]), 0))
y = y.reshape(2, -1)
y = np.maximum(bn(y @ ws[4][0] + ws[4][1], ws[5]), 0)
y = np.maximum(bn(y @ ws[6][0] + ws[6][1], ws[7]), 0)
y = y @ ws[8][0] + ws[8][1]
cases["kotlindl_batchnorm"] = {"input_shape": [2, 28, 28, 1], "input": x.ravel().tolist(), "output": y.ravel().tolist()}

with open("expected.json", "w") as out:
    json.dump({"generator": "gen/expected.py", "peer": "numpy", "peer_version": np.__version__,
               "h5py_version": h5py.__version__, "seed": 19, "cases": cases}, out)
    out.write("\n")
