"""Expected trajectories of Nadam, Adamax, Adadelta, Lion and Ftrl.

Each update_step of keras/src/optimizers/{nadam,adamax,adadelta,lion,ftrl}.py
is transcribed line by line in NumPy float32 (Keras's variables are float32),
not taken from torch, whose optimizers place epsilon differently. Writes
optimizers/testdata/keras_trajectories.json.

    /usr/bin/python3 testdata/gen/optimizers_keras.py
"""
import json
import os

import numpy as np

f32 = np.float32
STEPS = 8
rng = np.random.default_rng(18)
w0 = rng.normal(size=6).astype(f32)
grads = [rng.normal(size=6).astype(f32) * f32(1.5) for _ in range(STEPS)]
grads[3][2] = f32(0)  # a zero gradient: sign(0) for Lion


def nadam(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    w, m, v, up = w0.copy(), np.zeros(6, f32), np.zeros(6, f32), f32(1)
    lr, b1, b2, eps, decay = f32(lr), f32(b1), f32(b2), f32(eps), f32(0.96)
    out = []
    for it, g in enumerate(grads):
        # _backend_update_step: u_product *= beta_1 * (1 - 0.5 * 0.96^(it+1))
        up = f32(up * b1 * (f32(1) - f32(0.5) * np.power(decay, f32(it + 1))))
        t, t1 = f32(it + 1), f32(it + 2)
        u_t = b1 * (f32(1) - f32(0.5) * np.power(decay, t))
        u_t_1 = b1 * (f32(1) - f32(0.5) * np.power(decay, t1))
        up_1 = up * u_t_1
        b2p = np.power(b2, t)
        m = m + (g - m) * (f32(1) - b1)
        v = v + (np.square(g) - v) * (f32(1) - b2)
        m_hat = u_t_1 * m / (f32(1) - up_1) + (f32(1) - u_t) * g / (f32(1) - up)
        v_hat = v / (f32(1) - b2p)
        w = w - m_hat * lr / (np.sqrt(v_hat) + eps)
        out.append(w.copy())
    return out


def adamax(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    w, m, u = w0.copy(), np.zeros(6, f32), np.zeros(6, f32)
    lr, b1, b2, eps = f32(lr), f32(b1), f32(b2), f32(eps)
    out = []
    for it, g in enumerate(grads):
        b1p = np.power(b1, f32(it + 1))
        m = m + (g - m) * (f32(1) - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((f32(1) - b1p) * (u + eps))
        out.append(w.copy())
    return out


def adadelta(lr=0.001, rho=0.95, eps=1e-7):
    w, a, d = w0.copy(), np.zeros(6, f32), np.zeros(6, f32)
    lr, rho, eps = f32(lr), f32(rho), f32(eps)
    out = []
    for g in grads:
        a = rho * a + (f32(1) - rho) * np.square(g)
        delta = -(np.sqrt(d + eps) * g / np.sqrt(a + eps))
        d = rho * d + (f32(1) - rho) * np.square(delta)
        w = w + lr * delta
        out.append(w.copy())
    return out


def lion(lr=0.001, b1=0.9, b2=0.99):
    w, m = w0.copy(), np.zeros(6, f32)
    lr, b1, b2 = f32(lr), f32(b1), f32(b2)
    out = []
    for g in grads:
        w = w - lr * np.sign(m * b1 + g * (f32(1) - b1))
        m = m * b2 + g * (f32(1) - b2)
        out.append(w.copy())
    return out


def ftrl(lr=0.001, power=-0.5, init=0.1, l1=0.0, l2=0.0, l2s=0.0, beta=0.0):
    w, acc, z = w0.copy(), np.full(6, f32(init)), np.zeros(6, f32)
    lr = f32(lr)
    out = []
    for g in grads:
        l2_reg = f32(l2) + f32(beta) / (f32(2) * lr)
        use = g + f32(2 * l2s) * w
        na = acc + np.square(g)
        z = z + (use - (np.power(na, f32(-power)) - np.power(acc, f32(-power))) / lr * w)
        quad = np.power(na, f32(-power)) / lr + f32(2) * l2_reg
        zc = np.clip(z, f32(-l1), f32(l1))
        w = (zc - z) / quad
        acc = na
        out.append(w.copy())
    return out


cases = [
    ("nadam", {}, nadam()),
    ("nadam", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3},
     nadam(0.05, 0.8, 0.99, 1e-3)),
    ("adamax", {}, adamax()),
    ("adamax", {"learning_rate": 0.02, "beta_1": 0.7, "beta_2": 0.9}, adamax(0.02, 0.7, 0.9)),
    ("adadelta", {}, adadelta()),
    ("adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6}, adadelta(1.0, 0.9, 1e-6)),
    ("lion", {}, lion()),
    ("lion", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9}, lion(0.01, 0.5, 0.9)),
    ("ftrl", {}, ftrl()),
    ("ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7, "initial_accumulator_value": 0.5,
              "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1},
     ftrl(0.1, -0.7, 0.5, 0.01, 0.02, 0.03, 0.1)),
]
doc = {
    "w0": [float(x) for x in w0],
    "grads": [[float(x) for x in g] for g in grads],
    "cases": [{"optimizer": n, "config": c, "weights": [[float(x) for x in w] for w in ws]}
              for n, c, ws in cases],
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "optimizers", "testdata", "keras_trajectories.json")
with open(path, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
