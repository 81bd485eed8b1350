"""Expected rates of Keras 3's PolynomialDecay, InverseTimeDecay, CosineDecay
(with warm-up) and CosineDecayRestarts: each __call__ of
keras/src/optimizers/schedules/learning_rate_schedule.py transcribed in NumPy
float32 (Keras converts the initial rate to a float32 tensor). Writes
optimizers/testdata/keras_schedules.json.

    /usr/bin/python3 testdata/gen/schedules_keras.py
"""
import json
import math
import os

import numpy as np

f32 = np.float32


def polynomial(init, decay_steps, end=0.0001, power=1.0, cycle=False):
    def rate(step):
        s, ds = f32(step), f32(decay_steps)
        if cycle:
            mult = f32(1.0) if s == 0 else np.ceil(s / f32(decay_steps))
            ds = ds * mult
        else:
            s = np.minimum(s, ds)
        p = s / ds
        return (f32(init) - f32(end)) * np.power(f32(1) - p, f32(power)) + f32(end)
    return rate


def inverse_time(init, decay_steps, decay_rate, staircase=False):
    def rate(step):
        p = f32(step) / f32(decay_steps)
        if staircase:
            p = np.floor(p)
        return f32(init) / (f32(1) + f32(decay_rate) * p)
    return rate


def cosine(init, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    def decay(step, ds, frm):
        frac = step / ds
        cos = f32(0.5) * (f32(1) + np.cos(f32(math.pi) * frac))
        return frm * ((f32(1) - f32(alpha)) * cos + f32(alpha))

    def rate(step):
        s, ds = f32(step), f32(decay_steps)
        if warmup_target is None:
            return decay(np.minimum(s, ds), ds, f32(init))
        wt, ws = f32(warmup_target), f32(warmup_steps)
        s = np.minimum(s, ds + ws)
        if s < ws:
            return (wt - f32(init)) * (s / ws) + f32(init)
        return decay(s - ws, ds, wt)
    return rate


def restarts(init, first, t_mul=2.0, m_mul=1.0, alpha=0.0):
    def rate(step):
        frac = f32(step) / f32(first)
        t, m = f32(t_mul), f32(m_mul)
        if t == 1:
            i = np.floor(frac)
            frac = frac - i
        else:
            i = np.floor(np.log(f32(1) - frac * (f32(1) - t)) / np.log(t))
            sum_r = (f32(1) - np.power(t, i)) / (f32(1) - t)
            frac = (frac - sum_r) / np.power(t, i)
        cos = f32(0.5) * np.power(m, i) * (f32(1) + np.cos(f32(math.pi) * frac))
        return f32(init) * ((f32(1) - f32(alpha)) * cos + f32(alpha))
    return rate


steps = [0, 1, 3, 7, 10, 13, 20, 29, 30, 31, 45, 70, 100, 151]
cases = [
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 20}, polynomial(0.1, 20)),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 20, "end_learning_rate": 0.01, "power": 0.5, "cycle": True},
     polynomial(0.1, 20, 0.01, 0.5, True)),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}, inverse_time(0.1, 10, 0.5)),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True},
     inverse_time(0.1, 10, 0.5, True)),
    ("CosineDecay", {"initial_learning_rate": 0.2, "decay_steps": 30, "alpha": 0.1}, cosine(0.2, 30, 0.1)),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 30, "alpha": 0.1, "warmup_target": 0.5, "warmup_steps": 10},
     cosine(0.0, 30, 0.1, 0.5, 10)),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10}, restarts(0.1, 10)),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.2},
     restarts(0.1, 10, 1.0, 0.5, 0.2)),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 7, "t_mul": 3.0, "m_mul": 0.9},
     restarts(0.1, 7, 3.0, 0.9)),
]
doc = {"steps": steps, "cases": [{"class_name": n, "config": c, "rates": [float(r(s)) for s in steps]} for n, c, r in cases]}
path = os.path.join(os.path.dirname(__file__), "..", "..", "optimizers", "testdata", "keras_schedules.json")
with open(path, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
