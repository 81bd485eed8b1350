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


# Keras 3 .keras archives (metadata.json keras_version 3.x), read with
# zipfile and h5py: config.json gives the layers, model.weights.h5 their
# variables in saving_lib's layout (layers/<key>/vars/0.., a recurrent
# layer's under cell/vars; key is the layer's snake-cased class made
# unique in order, as saving_lib's _save_container_state does) and the
# optimizer's (optimizer/vars/0 the iteration count, 1 the learning rate,
# then the slots in the order the optimizer builds them).
import io
import re
import zipfile

rng3 = np.random.default_rng(3)
EPS = 1e-7  # Keras's backend epsilon


def f32(a):
    """The values as float32 holds them (the Go tests read float32)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def to_snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def archive(path):
    z = zipfile.ZipFile(path)
    meta = json.loads(z.read("metadata.json"))
    cfg = json.loads(z.read("config.json"))
    return meta, cfg, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")


def numbered(g):
    return [np.array(g[str(i)], dtype=np.float64) for i in range(len(g))]


def layer_entries(cfg, h5):
    """(class, config, variables, parameter count, key) per layer but
    inputs. The key is also the name Keras gives such a layer in a fresh
    session (auto_name: the snake-cased class, then _1, _2, ...)."""
    used = {}
    out = []
    for l in cfg["config"]["layers"]:
        if l["class_name"] == "InputLayer":
            continue
        key = to_snake_case(l["class_name"])
        if key in used:
            used[key] += 1
            key = "%s_%d" % (key, used[key])
        else:
            used[key] = 0
        g = h5["layers"].get(key)
        if g is None or ("vars" not in g and "cell" not in g):
            vs = []  # Keras 2.15 writes no group for a stateless layer
        else:
            vs = numbered(g["cell"]["vars"] if "cell" in g else g["vars"])
        out.append((l["class_name"], l["config"], vs, sum(v.size for v in vs), key))
    return out


def activation(name, z):
    return {"linear": lambda z: z, "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
            "sigmoid": sigmoid, "softmax": softmax}[name](z)


def gru(x, kernel, rec, bias, seq):
    """Keras's GRU with reset_after=True: gates z, r, h; bias rows input, recurrent."""
    n, t, _ = x.shape
    u = rec.shape[0]
    h = np.zeros((n, u))
    outs = []
    for s in range(t):
        xz = x[:, s] @ kernel + bias[0]
        hz = h @ rec + bias[1]
        z = sigmoid(xz[:, :u] + hz[:, :u])
        r = sigmoid(xz[:, u:2 * u] + hz[:, u:2 * u])
        hh = np.tanh(xz[:, 2 * u:] + r * hz[:, 2 * u:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, axis=1) if seq else h


def forward(entries, x, shapes=None):
    for cls, c, vs, _, _ in entries:
        if cls == "Dense":
            x = activation(c["activation"], x @ vs[0] + vs[1] if c["use_bias"] else x @ vs[0])
        elif cls == "Dropout":
            pass
        elif cls == "LeakyReLU":
            x = np.where(x > 0, x, c["negative_slope"] * x)
        elif cls == "Reshape":
            x = x.reshape((x.shape[0],) + tuple(c["target_shape"]))
        elif cls == "Conv1D":
            assert (c["strides"], c["dilation_rate"], c["groups"]) == ([1], [1], 1)
            k = vs[0]
            if c["padding"] == "same":  # TensorFlow's: the extra pad at the end
                p = k.shape[0] - 1
                x = np.pad(x, ((0, 0), (p // 2, p - p // 2), (0, 0)))
            else:
                assert c["padding"] == "valid"
            t = x.shape[1] - k.shape[0] + 1
            y = sum(x[:, i:i + t] @ k[i] for i in range(k.shape[0]))
            x = activation(c["activation"], y + vs[1] if c["use_bias"] else y)
        elif cls == "MaxPooling1D":
            assert (c["padding"], c["strides"]) == ("valid", c["pool_size"])
            p = c["pool_size"][0]
            t = x.shape[1] // p
            x = x[:, :t * p].reshape(x.shape[0], t, p, x.shape[2]).max(axis=2)
        elif cls == "Conv2D":
            assert (c["strides"], c["dilation_rate"], c["groups"], c["padding"]) == ([1, 1], [1, 1], 1, "valid")
            k = vs[0]
            oh, ow = x.shape[1] - k.shape[0] + 1, x.shape[2] - k.shape[1] + 1
            y = sum(np.einsum("nhwc,co->nhwo", x[:, i:i + oh, j:j + ow, :], k[i, j])
                    for i in range(k.shape[0]) for j in range(k.shape[1]))
            x = activation(c["activation"], y + vs[1] if c["use_bias"] else y)
        elif cls == "MaxPooling2D":
            assert c["padding"] == "valid" and c["strides"] == c["pool_size"]
            ph, pw = c["pool_size"]
            n, hh, ww, ch = x.shape
            oh, ow = hh // ph, ww // pw
            x = x[:, :oh * ph, :ow * pw].reshape(n, oh, ph, ow, pw, ch).max(axis=(2, 4))
        elif cls == "Conv1D" and c["padding"] == "same":
            pass  # not reached: handled above
        elif cls == "BatchNormalization":
            gamma, beta, mean, var = vs
            x = gamma * (x - mean) / np.sqrt(var + c["epsilon"]) + beta
        elif cls == "Activation":
            x = activation(c["activation"], x)
        elif cls == "GlobalMaxPooling1D":
            x = x.max(axis=1)
        elif cls == "Flatten":
            x = x.reshape(x.shape[0], -1)
        elif cls == "LSTM":
            assert (c["activation"], c["recurrent_activation"]) == ("tanh", "sigmoid")
            x = lstm(x, *vs, c["return_sequences"])
        elif cls == "GRU":
            assert (c["activation"], c["recurrent_activation"], c["reset_after"]) == ("tanh", "sigmoid", True)
            x = gru(x, *vs, c["return_sequences"])
        elif cls == "Bidirectional":
            # Keras's Bidirectional: the backward copy runs on the
            # reversed sequence (its outputs reversed back when it
            # returns sequences), merged by concatenation, forward first.
            inner, ic = c["layer"]["class_name"], c["layer"]["config"]
            assert c["merge_mode"] == "concat" and inner in ("GRU", "LSTM")
            if "backward_layer" in c:  # Keras 3 writes the copy it made
                bc = dict(c["backward_layer"]["config"])
                assert c["backward_layer"]["class_name"] == inner and bc.pop("go_backwards") is True
                assert {k: v for k, v in bc.items() if k != "name"} == {k: v for k, v in ic.items() if k not in ("name", "go_backwards")}
            assert (ic["activation"], ic["recurrent_activation"], ic.get("reset_after", True)) == ("tanh", "sigmoid", True)
            cell = gru if inner == "GRU" else lstm
            seq = ic["return_sequences"]
            yf = cell(x, *vs[:3], seq)
            yb = cell(x[:, ::-1], *vs[3:], seq)
            if seq:
                yb = yb[:, ::-1]
            x = np.concatenate([yf, yb], axis=-1)
        else:
            raise ValueError(cls)
        if shapes is not None:
            shapes.append(list(x.shape[1:]))
    return x


def loss_of(name, y, p, z=None):
    """Keras's loss on probabilities p; z, when given, holds the logits of
    a sigmoid or softmax output, from which Keras's TensorFlow backend
    computes the crossentropies (it keeps them on the output tensor)
    rather than from clipped probabilities."""
    if name in ("mse", "mean_squared_error"):
        return float(np.mean((y - p) ** 2))
    if name in ("mae", "mean_absolute_error"):
        return float(np.mean(np.abs(y - p)))
    if name == "binary_crossentropy":
        if z is not None:
            return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
        p = np.clip(p, EPS, 1 - EPS)
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
    if name == "categorical_crossentropy":
        if z is not None:
            return float(np.mean(-np.sum(y * log_softmax(z), axis=-1)))
        p = np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
        return float(np.mean(-np.sum(y * np.log(p), axis=-1)))
    if name == "sparse_categorical_crossentropy":
        i = (np.arange(len(y)), y.astype(int).ravel())
        if z is not None:
            return float(np.mean(-log_softmax(z)[i]))
        p = np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
        return float(np.mean(-np.log(p[i])))
    raise ValueError(name)


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def logits(entries, x):
    """The last layer's pre-activation when it is a Dense with a sigmoid
    or softmax activation, else None."""
    cls, c, vs, _, _ = entries[-1]
    if c.get("activation") not in ("sigmoid", "softmax"):
        return None
    if cls == "Activation":
        return forward(entries[:-1], x)
    if cls != "Dense":
        return None
    return forward(entries[:-1], x) @ vs[0] + vs[1]


def model_loss(entries, loss, x, y):
    return loss_of(loss, y, forward(entries, x), logits(entries, x))


def accuracy(y, p):
    """Keras's "accuracy" as compile resolves it from the shapes."""
    if p.shape[-1] == 1:
        return float(np.mean((p > 0.5) == (y > 0.5)))
    if y.ndim < p.ndim:
        return float(np.mean(np.argmax(p, axis=-1) == y))
    return float(np.mean(np.argmax(p, axis=-1) == np.argmax(y, axis=-1)))


def adam_step(entries, opt, state, x, y, loss):
    """One Keras 3 Adam step on batch (x, y) from the file's state (the
    iteration count, the learning rate, then momentum and velocity per
    variable); the gradient by central differences of the float64
    forward pass, all of it taken before any variable moves."""
    cfg = opt["config"]
    b1, b2, eps = cfg["beta_1"], cfg["beta_2"], cfg["epsilon"]
    it, lr, slots = int(state[0]), float(state[1]), state[2:]
    variables = [v for _, _, vs, _, _ in entries for v in vs]
    grads = []
    for v in variables:
        g = np.zeros_like(v)
        flat, gf = v.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + 1e-6
            up = model_loss(entries, loss, x, y)
            flat[i] = old - 1e-6
            down = model_loss(entries, loss, x, y)
            flat[i] = old
            gf[i] = (up - down) / 2e-6
        grads.append(g)
    t = it + 1
    alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    for k, (v, g) in enumerate(zip(variables, grads)):
        m, vv = slots[2 * k], slots[2 * k + 1]
        m += (g - m) * (1 - b1)
        vv += (g * g - vv) * (1 - b2)
        v -= alpha * m / (np.sqrt(vv) + eps)


def keras3_case(path, x, y, step=False):
    meta, cfg, h5 = archive(path)
    assert meta["keras_version"].startswith("3.") or meta["keras_version"].startswith("2.15"), meta
    # Keras 2.15 keeps no learning_rate variable: its slots follow the count.
    keras2 = meta["keras_version"].startswith("2.")
    entries = layer_entries(cfg, h5)
    shapes = []
    out = forward(entries, x, shapes)
    cc = cfg["compile_config"]
    loss = cc["loss"]
    ov = numbered(h5["optimizer"]["vars"])
    # What Keras's summary counts as "Optimizer params" once the optimizer
    # is built, as loading a compiled model builds it: the iteration
    # count, the learning rate and the slots of every trainable variable.
    params = sum(e[3] for e in entries)
    # BatchNormalization's moving statistics (its last two variables) are
    # not trained.
    moving = sum(v.size for cls, _, vs, _, _ in entries if cls == "BatchNormalization" for v in vs[2:])
    trainable = params - moving
    oc = cc["optimizer"]
    per_var = {"Adam": lambda c: 2 + c["amsgrad"],
               "RMSprop": lambda c: 1 + (c["momentum"] > 0) + c["centered"]}[oc["class_name"]](oc["config"])
    optimizer_params = 2 + per_var * trainable
    slots = ov[1:] if keras2 else ov[2:]
    assert not slots or optimizer_params == 2 + sum(v.size for v in slots)
    case = {"keras_version": meta["keras_version"],
            "input_shape": list(x.shape), "input": x.ravel().tolist(),
            "output": out.ravel().tolist(),
            "target_shape": list(y.shape), "target": y.ravel().tolist(),
            "loss": model_loss(entries, loss, x, y), "accuracy": accuracy(y, out),
            "iterations": int(ov[0]),
            "learning_rate": float(np.float32(oc["config"]["learning_rate"])) if keras2 else float(ov[1]),
            "slot_count": len(slots),
            # A file may hold no slots (an optimizer built but never stepped).
            "first_slot": float(slots[0].ravel()[0]) if slots else None,
            "last_slot": float(slots[-1].ravel()[-1]) if slots else None,
            "summary": [[c["name"], key, cls, s, n] for (cls, c, _, n, key), s in zip(entries, shapes)],
            "params": params, "trainable": trainable, "optimizer_params": optimizer_params}
    if step:
        assert cc["optimizer"]["class_name"] == "Adam"
        adam_step(entries, cc["optimizer"], ov, x, y, loss)
        case["stepped_output"] = forward(entries, x).ravel().tolist()
    return case


# FlowNet-ANN: Dense 128 relu, Dropout, Dense 64 + LeakyReLU, Dense 32 +
# LeakyReLU, Dense 2; Adam, mse.
x = f32(rng3.random((8, 2)))
cases["keras3_flownet"] = keras3_case("keras3_flownet.keras", x, f32(rng3.random((8, 2))))

# CDT406 GRU: GRU 32 (sequences) -> GRU 16 -> Dense 3 softmax; Adam, mse,
# accuracy on one-hot targets.
x = f32(rng3.random((8, 4, 1)))
cases["keras3_gru"] = keras3_case("keras3_gru.keras", x, np.eye(3)[rng3.integers(0, 3, 8)], step=True)

# CDT406 LSTM: Reshape (3, 4) -> LSTM 16 (unrolled) -> Dense 32 tanh ->
# Dense 4 softmax; Adam, sparse categorical crossentropy.
x = f32(rng3.random((8, 12)))
cases["keras3_lstm"] = keras3_case("keras3_lstm.keras", x, rng3.integers(0, 4, 8).astype(np.float64), step=True)

# Human activity CNN: Conv1D 128 k3 relu -> MaxPooling1D 2 -> Dropout ->
# Conv1D 128 k3 relu -> MaxPooling1D 2 -> Flatten -> Dense 96 relu ->
# Dense 6 softmax on 100 steps of 6 channels; Adam, categorical
# crossentropy, accuracy on one-hot targets.
x = f32(rng3.standard_normal((4, 100, 6)))
cases["keras3_conv1d"] = keras3_case("keras3_conv1d.keras", x, np.eye(6)[rng3.integers(0, 6, 4)])

# ECG arrhythmia CNN, a functional model Keras 2.15 wrote as .keras (the
# format Keras 3 reads): three Conv1D (same padding, no bias, L1 kernel
# regularizer) each with BatchNormalization, ReLU and MaxPooling1D, then
# GlobalMaxPooling1D, two Dense + BatchNormalization + ReLU + Dropout, a
# Dense 1 and a sigmoid Activation; Adam, binary crossentropy, accuracy.
x = f32(rng3.standard_normal((2, 2160, 1)))
cases["keras215_conv1d_bn"] = keras3_case("keras215_conv1d_bn.keras", x, np.array([[1.0], [0.0]]))

# Spam classifier: Dense 160 relu, Dropout, Dense 128 relu, Dropout,
# Dense 1 sigmoid on 5000 features; RMSprop, binary crossentropy.
x = f32(rng3.random((8, 5000)) < 0.01)
cases["keras3_spam"] = keras3_case("keras3_spam.keras", x, rng3.integers(0, 2, (8, 1)).astype(np.float64))

# Keras 3's legacy HDF5 files (model.save("x.h5"): root attribute
# keras_version 3.x), read with h5py: model_config gives the layers
# (legacy serialization, no build_config), model_weights/<layer> their
# weights in weight_names order, optimizer_weights the optimizer's
# variables in its weight_names order (the iteration count, the learning
# rate, then per variable its slots), training_config the loss as a
# serialized Loss object and the metrics.
LOSS_CLASSES = {"BinaryCrossentropy": "binary_crossentropy", "MeanAbsoluteError": "mae",
                "MeanSquaredError": "mse", "CategoricalCrossentropy": "categorical_crossentropy",
                "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy"}


def legacy3_case(path, x, y, step=False):
    f = h5py.File(path, "r")
    version = f.attrs["keras_version"]
    assert version.startswith("3."), version
    cfg = json.loads(f.attrs["model_config"])
    tc = json.loads(f.attrs["training_config"])
    mw = f["model_weights"]
    used = {}
    entries = []
    for l in cfg["config"]["layers"]:
        if l["class_name"] == "InputLayer":
            continue
        key = to_snake_case(l["class_name"])
        if key in used:
            used[key] += 1
            key = "%s_%d" % (key, used[key])
        else:
            used[key] = 0
        g = mw[l["config"]["name"]]
        names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
        vs = [np.array(g[n], dtype=np.float64) for n in names]
        entries.append((l["class_name"], l["config"], vs, sum(v.size for v in vs), key))
    shapes = []
    out = forward(entries, x, shapes)
    loss = tc["loss"]
    loss = LOSS_CLASSES[loss["class_name"]] if isinstance(loss, dict) else loss
    og = f["optimizer_weights"]
    ov = [np.array(og[n.decode() if isinstance(n, bytes) else n], dtype=np.float64) for n in og.attrs["weight_names"]]
    slots = ov[2:]
    params = sum(e[3] for e in entries)
    # BatchNormalization's moving statistics (its last two variables) are
    # not trained and have no slots.
    moving = sum(v.size for cls, _, vs, _, _ in entries if cls == "BatchNormalization" for v in vs[2:])
    trainable = params - moving
    oc = tc["optimizer_config"]
    assert oc["class_name"] == "Adam" and not oc["config"]["amsgrad"]
    optimizer_params = 2 + 2 * trainable
    assert optimizer_params == 2 + sum(v.size for v in slots)
    case = {"keras_version": version,
            "input_shape": list(x.shape), "input": x.ravel().tolist(),
            "output": out.ravel().tolist(),
            "target_shape": list(y.shape), "target": y.ravel().tolist(),
            "loss": model_loss(entries, loss, x, y),
            "metrics": {m: (accuracy(y, out) if m == "accuracy" else loss_of(m, y, out)) for m in tc["metrics"] or []},
            "iterations": int(ov[0]), "learning_rate": float(ov[1]),
            "slot_count": len(slots),
            "first_slot": float(slots[0].ravel()[0]), "last_slot": float(slots[-1].ravel()[-1]),
            "summary": [[c["name"], key, cls, s, n] for (cls, c, _, n, key), s in zip(entries, shapes)],
            "params": params, "trainable": trainable, "optimizer_params": optimizer_params}
    if step:
        assert not moving
        adam_step(entries, {"config": oc["config"]}, ov, x, y, loss)
        case["stepped_output"] = forward(entries, x).ravel().tolist()
    return case


# Bank churn classifier written by Keras 3.8.0's model.save("model.h5"):
# Dense 64 relu -> Dense 32 relu -> Dense 1 sigmoid on 12 standardized
# features; Adam, binary crossentropy, accuracy.
x = f32(rng3.standard_normal((8, 12)))
cases["keras3_churn"] = legacy3_case("keras3_churn.h5", x, rng3.integers(0, 2, (8, 1)).astype(np.float64), step=True)

# Salary regression from the same repository (Keras 3.8.0): Dense 64 relu
# -> Dense 32 relu -> Dense 1 linear; Adam, mean absolute error, mae.
x = f32(rng3.standard_normal((8, 12)))
cases["keras3_salary"] = legacy3_case("keras3_salary.h5", x, f32(rng3.uniform(1e4, 2e5, (8, 1))), step=True)

# Stock price LSTM (Keras 3.10.0): LSTM 50 returning sequences ->
# Dropout 0.2 -> LSTM 50 -> Dropout 0.2 -> Dense 32 relu -> Dense 1 on 60
# steps of 5 min-max scaled features; Adam, "mean_squared_error" given as
# a string, no metrics.
x = f32(rng3.random((4, 60, 5)))
cases["keras3_stock_lstm"] = legacy3_case("keras3_stock_lstm.h5", x, f32(rng3.random((4, 1))))

# MNIST CNN (Keras 3.10.0): two Conv2D 32 3x3 relu each with
# BatchNormalization, MaxPooling2D 2, Dropout; two Conv2D 64 likewise;
# Flatten, Dense 256 relu, BatchNormalization, Dropout, Dense 10 softmax
# on 28x28x1 images; Adam (learning rate lowered to 3.125e-05 during
# training, kept in the learning_rate variable), "categorical_crossentropy",
# accuracy; compiled with jit_compile.
x = f32(rng3.random((4, 28, 28, 1)))
cases["keras3_mnist_cnn_bn"] = legacy3_case("keras3_mnist_cnn_bn.h5", x, np.eye(10)[rng3.integers(0, 10, 4)])

# Kubernetes autoscaling forecasters (Keras 3.13.2): GRU 64 (reset_after)
# -> Dropout 0.2 -> Dense 2 on 30 steps of 2 load features; and
# Bidirectional GRU 128 returning sequences -> Dropout 0.3 ->
# Bidirectional GRU 64 -> Dropout 0.2 -> Dense 64 relu -> Dense 2 on 30
# steps of 39 features. Adam, "mse" given as a string, no metrics.
x = f32(rng3.random((4, 30, 2)))
cases["keras3_gru_autoscale"] = legacy3_case("keras3_gru_autoscale.h5", x, f32(rng3.random((4, 2))))
x = f32(rng3.random((2, 30, 39)))
cases["keras3_bigru_autoscale"] = legacy3_case("keras3_bigru_autoscale.h5", x, f32(rng3.random((2, 2))))

with open("expected.json", "w") as out:
    json.dump({"generator": "gen/expected.py", "peer": "numpy", "peer_version": np.__version__,
               "h5py_version": h5py.__version__, "seed": 19, "cases": cases}, out)
    out.write("\n")
