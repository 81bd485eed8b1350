"""Expected trajectories of Keras's base-optimizer options, Adafactor and AMSGrad.

keras/src/optimizers/base_optimizer.py's apply (gradient accumulation,
_clip_gradients, _apply_weight_decay, the EMA and its overwrite, in that
order), adam.py's update_step with amsgrad, sgd.py's and adafactor.py's are
transcribed line by line in NumPy float32, as Keras's variables are.
Writes optimizers/testdata/keras_base_options.json.

    /usr/bin/python3 testdata/gen/optimizers_base_keras.py
"""
import json
import os

import numpy as np

f32 = np.float32
STEPS = 9
SHAPES = [(2, 3), (3,), (2, 2, 3)]
rng = np.random.default_rng(1806)
w0 = [rng.normal(size=s).astype(f32) for s in SHAPES]
grads = [[(rng.normal(size=s) * 1.5).astype(f32) for s in SHAPES] for _ in range(STEPS)]
grads[4][1][0] = f32(0)


class Adam:
    def __init__(self, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
        self.lr, self.b1, self.b2, self.eps, self.amsgrad = f32(lr), f32(b1), f32(b2), f32(eps), amsgrad

    def build(self, ws):
        self.m = [np.zeros_like(w) for w in ws]
        self.v = [np.zeros_like(w) for w in ws]
        self.vh = [np.zeros_like(w) for w in ws]

    def update(self, i, g, w, lr, iterations):
        t = f32(iterations + 1)
        b1p, b2p = np.power(self.b1, t), np.power(self.b2, t)
        alpha = lr * np.sqrt(f32(1) - b2p) / (f32(1) - b1p)
        self.m[i] += (g - self.m[i]) * (f32(1) - self.b1)
        self.v[i] += (np.square(g) - self.v[i]) * (f32(1) - self.b2)
        v = self.v[i]
        if self.amsgrad:
            self.vh[i] = np.maximum(self.vh[i], self.v[i])
            v = self.vh[i]
        w -= (self.m[i] * alpha) / (np.sqrt(v) + self.eps)


class SGD:
    def __init__(self, lr=0.01, momentum=0.0):
        self.lr, self.mu = f32(lr), f32(momentum)

    def build(self, ws):
        self.m = [np.zeros_like(w) for w in ws]

    def update(self, i, g, w, lr, iterations):
        if self.mu != 0:
            self.m[i] = self.m[i] * self.mu - g * lr
            w += self.m[i]
        else:
            w -= g * lr


class Adafactor:
    def __init__(self, lr=0.001, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
        self.lr, self.decay, self.eps1, self.eps2, self.clip = f32(lr), f32(decay), f32(eps1), f32(eps2), f32(clip)

    def build(self, ws):
        self.r = [np.zeros(w.shape[:-1], f32) if w.ndim >= 2 else f32(0) for w in ws]
        self.c = [np.zeros(w.shape[:-2] + (w.shape[-1],), f32) if w.ndim >= 2 else f32(0) for w in ws]
        self.v = [np.zeros_like(w) for w in ws]

    def update(self, i, g, w, lr, iterations):
        step = f32(iterations + 1)
        lr = np.minimum(lr, f32(1) / np.sqrt(step))  # relative_step with a constant rate
        rho = np.minimum(lr, f32(1) / np.sqrt(step))
        rms = lambda x: np.sqrt(np.mean(np.square(x)))
        alpha = np.maximum(self.eps2, rms(w)) * rho
        G = np.square(g) + self.eps1
        b2 = f32(1) - np.power(step, self.decay)
        if w.ndim >= 2:
            self.r[i] = b2 * self.r[i] + (f32(1) - b2) * np.mean(G, axis=-1)
            self.c[i] = b2 * self.c[i] + (f32(1) - b2) * np.mean(G, axis=-2)
            self.v[i] = np.expand_dims(self.r[i] / np.mean(self.r[i], axis=-1, keepdims=True), -1) * \
                np.expand_dims(self.c[i], -2)
        else:
            self.v[i] = b2 * self.v[i] + (f32(1) - b2) * G
        u = g / np.sqrt(self.v[i])
        u_hat = u / np.maximum(f32(1), rms(u) / self.clip)
        w -= alpha * u_hat


def run(opt, clipnorm=None, global_clipnorm=None, clipvalue=None, weight_decay=None,
        use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, accum=None,
        schedule=None, shapes=(0, 1)):
    ws = [w0[k].copy() for k in shapes]
    opt.build(ws)
    avg = [np.zeros_like(w) for w in ws]
    acc = [np.zeros_like(w) for w in ws]
    _iterations = 0
    out = []
    for step in range(STEPS):
        gs = [grads[step][k].copy() for k in shapes]
        lr = f32(schedule(_iterations)) if schedule else opt.lr
        iterations = _iterations // accum if accum else _iterations
        update = True
        if accum:
            update = (_iterations + 1) % accum == 0
            if update:
                gs = [(g + a) / f32(accum) for g, a in zip(gs, acc)]
                acc = [np.zeros_like(a) for a in acc]
            else:
                acc = [g + a for g, a in zip(gs, acc)]
        if update:
            if clipnorm:
                c = f32(clipnorm)
                out_g = []
                for g in gs:
                    l2sum = np.sum(np.square(g))
                    l2norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
                    out_g.append(g * c / np.maximum(l2norm, c))
                gs = out_g
            elif global_clipnorm:
                c = f32(global_clipnorm)
                n = np.sqrt(np.sum(np.stack([np.sum(np.square(g)) for g in gs])))
                scale = c * np.minimum(f32(1) / n, f32(1) / c) + (n - n)
                gs = [g * scale for g in gs]
            elif clipvalue:
                gs = [np.clip(g, -f32(clipvalue), f32(clipvalue)) for g in gs]
            if weight_decay:
                for w in ws:
                    w -= w * f32(weight_decay) * lr
            for i, (g, w) in enumerate(zip(gs, ws)):
                opt.update(i, g, w, lr, iterations)
        if use_ema:
            mom = f32(ema_momentum) if iterations != 0 else f32(0)
            avg = [mom * a + (f32(1) - mom) * w for a, w in zip(avg, ws)]
            if ema_overwrite_frequency and (iterations + 1) % ema_overwrite_frequency == 0:
                for w, a in zip(ws, avg):
                    w[...] = a
        _iterations += 1
        out.append([w.copy() for w in ws])
    return out


def exp_decay(init, steps, rate):
    return lambda it: f32(init) * np.power(f32(rate), f32(it) / f32(steps))


cases = [
    ("Adam", {"clipnorm": 0.5}, [0, 1], run(Adam(), clipnorm=0.5)),
    ("SGD", {"momentum": 0.5, "learning_rate": 0.1, "global_clipnorm": 0.8, "weight_decay": 0.1}, [0, 1],
     run(SGD(0.1, 0.5), global_clipnorm=0.8, weight_decay=0.1)),
    ("Adam", {"learning_rate": 0.05, "clipvalue": 0.3, "use_ema": True, "ema_momentum": 0.9,
              "ema_overwrite_frequency": 3}, [0, 1],
     run(Adam(0.05), clipvalue=0.3, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=3)),
    ("Adam", {"learning_rate": {"class_name": "ExponentialDecay",
                                "config": {"initial_learning_rate": 0.05, "decay_steps": 2, "decay_rate": 0.5,
                                           "staircase": False}},
              "gradient_accumulation_steps": 3, "use_ema": True, "ema_momentum": 0.8, "weight_decay": 0.2}, [0, 1],
     run(Adam(), accum=3, use_ema=True, ema_momentum=0.8, weight_decay=0.2, schedule=exp_decay(0.05, 2, 0.5))),
    ("Adam", {"learning_rate": 0.02, "amsgrad": True}, [0, 1], run(Adam(0.02, amsgrad=True))),
    ("Adafactor", {}, [0, 1, 2], run(Adafactor(), shapes=(0, 1, 2))),
    ("Adafactor", {"learning_rate": 0.5, "beta_2_decay": -0.5, "epsilon_2": 0.01, "clip_threshold": 0.5}, [0, 1, 2],
     run(Adafactor(0.5, -0.5, 1e-30, 0.01, 0.5), shapes=(0, 1, 2))),
    ("Adafactor", {"learning_rate": 0.3, "global_clipnorm": 1.0, "gradient_accumulation_steps": 2}, [0, 1, 2],
     run(Adafactor(0.3), global_clipnorm=1.0, accum=2, shapes=(0, 1, 2))),
]
doc = {
    "shapes": [list(s) for s in SHAPES],
    "w0": [[float(x) for x in w.ravel()] for w in w0],
    "grads": [[[float(x) for x in g.ravel()] for g in step] for step in grads],
    "cases": [{"class_name": n, "config": c, "weights_used": used,
               "trajectory": [[[float(x) for x in w.ravel()] for w in ws] for ws in traj]}
              for n, c, used, traj in cases],
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "optimizers", "testdata", "keras_base_options.json")
with open(path, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
