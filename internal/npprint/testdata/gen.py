#!/usr/bin/env python3
"""Regenerates the golden files of package npprint with the real NumPy.

Run from this directory with a Python that has NumPy (the goldens were made
with NumPy 1.24):

    python3 gen.py                 # rewrite *.golden from mnist_train_0.u8
    python3 gen.py --extract PATH  # first rewrite mnist_train_0.u8 from
                                   # train-images-idx3-ubyte.gz

Each golden file holds one case: a header of "key: value" lines (dtype,
shape, print options, data), a line "---", then exactly what
np.set_printoptions(...) followed by print(arr) writes, without print's
final newline. Floats are written with repr(), which round-trips exactly.
"""
import gzip
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "mnist_train_0.u8")


def extract(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    # IDX header: magic, count, rows, cols (big-endian int32), then pixels.
    first = raw[16:16 + 28 * 28]
    assert len(first) == 784
    with open(FIXTURE, "wb") as f:
        f.write(first)


def case_text(arr, **opts):
    np.set_printoptions(**{**DEFAULTS, **opts})
    try:
        text = str(arr)
    finally:
        np.set_printoptions(**DEFAULTS)
    lines = ["dtype: %s" % arr.dtype, "shape: %s" % " ".join(str(d) for d in arr.shape)]
    for k in sorted(opts):
        v = opts[k]
        lines.append("%s: %s" % (k, str(v).lower() if isinstance(v, bool) else v))
    flat = arr.reshape(-1)
    if arr.dtype.kind == "f":
        data = " ".join(repr(float(x)) for x in flat)
    else:
        data = " ".join(str(int(x)) for x in flat)
    lines.append("data: " + data)
    lines.append("---")
    return "\n".join(lines) + "\n" + text


def write_case(name, arr, **opts):
    with open(os.path.join(HERE, name + ".golden"), "w") as f:
        f.write(case_text(arr, **opts))


def random_array(rng):
    """An array of random dtype, shape and values, some of them special."""
    dtype = rng.choice(["float64", "float32", "uint8", "int64"], p=[0.4, 0.3, 0.15, 0.15])
    ndim = int(rng.integers(1, 5))
    if rng.random() < 0.1:
        shape = tuple(int(d) for d in rng.integers(8, 40, size=min(ndim, 2)))
    else:
        shape = tuple(int(d) for d in rng.integers(1, 7, size=ndim))
    n = int(np.prod(shape))
    if dtype == "uint8":
        hi = int(rng.choice([2, 10, 100, 256]))
        return rng.integers(0, hi, size=shape).astype(np.uint8)
    if dtype == "int64":
        hi = int(rng.choice([10, 1000, 10**6, 10**12]))
        return rng.integers(-hi, hi, size=shape).astype(np.int64)
    scale = 10.0 ** rng.uniform(-9, 10)
    kind = rng.choice(["normal", "uniform", "rounded", "binary", "wide"])
    if kind == "normal":
        x = rng.standard_normal(n) * scale
    elif kind == "uniform":
        x = rng.random(n) * scale
    elif kind == "rounded":
        x = np.round(rng.standard_normal(n) * 100, int(rng.integers(0, 4)))
    elif kind == "binary":
        x = rng.integers(0, 2, size=n).astype(float)
    else:
        x = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 6, size=n)
    x[rng.random(n) < 0.1] = 0.0
    if rng.random() < 0.1:
        x[int(rng.integers(0, n))] = rng.choice([np.nan, np.inf, -np.inf])
    return x.reshape(shape).astype(dtype)


def random_options(rng):
    opts = {}
    if rng.random() < 0.7:
        opts["linewidth"] = int(rng.choice([10, 20, 40, 75, 120, 200]))
    if rng.random() < 0.2:
        opts["precision"] = int(rng.integers(1, 10))
    if rng.random() < 0.15:
        opts["suppress"] = True
    if rng.random() < 0.15:
        opts["threshold"] = int(rng.integers(5, 50))
        opts["edgeitems"] = int(rng.integers(1, 4))
    return opts


DEFAULTS = dict(linewidth=75, precision=8, threshold=1000, edgeitems=3, suppress=False)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--extract":
        extract(sys.argv[2])
    with open(FIXTURE, "rb") as f:
        x0 = np.frombuffer(f.read(), dtype=np.uint8).reshape(28, 28)
    rng = np.random.default_rng(20240101)

    # The course: np.set_printoptions(linewidth=120); print(X_train[0]).
    write_case("mnist0_uint8_lw120", x0, linewidth=120)
    write_case("mnist0_uint8_lw75", x0)
    # X_train / 255.0 is float64; a float32 tensor of the same values.
    write_case("mnist0_div255_float64_lw120", x0 / 255.0, linewidth=120)
    write_case("mnist0_div255_float64_lw75", x0 / 255.0)
    write_case("mnist0_div255_float32_lw120", (x0 / 255.0).astype(np.float32), linewidth=120)
    write_case("mnist0_div255_float32_lw75", (x0 / 255.0).astype(np.float32))

    # Summarised (size > threshold): 2-D, 3-D, 1-D, floats and ints.
    write_case("large_int_2d", np.arange(100 * 30).reshape(100, 30))
    write_case("large_float_2d", (np.arange(40 * 50).reshape(40, 50) / 7.0))
    write_case("large_uint8_3d", (np.arange(10 * 28 * 28) % 256).astype(np.uint8).reshape(10, 28, 28), linewidth=120)
    write_case("large_1d", np.arange(2000, dtype=np.float32) * np.float32(0.5))
    write_case("large_normal_3d", rng.standard_normal((4, 20, 20)).astype(np.float32))
    write_case("threshold_10", np.arange(12).reshape(3, 4), threshold=10, edgeitems=1)

    # 1-D.
    write_case("int_1d", np.arange(10))
    write_case("int_1d_wrap", np.arange(100))
    write_case("float_1d", np.array([0.0, 0.25, 1.0, 2.5]))
    write_case("float_1d_wrap", np.linspace(0, 1, 30))
    write_case("float_1d_ones", np.array([0.0, 1.0, 1.0, 0.0]))
    write_case("float32_1d", np.array([0.1, 0.2, 0.3, 1 / 3], dtype=np.float32))

    # 3-D and 4-D: blank lines between the blocks.
    write_case("int_3d", np.arange(24).reshape(2, 3, 4))
    write_case("float_3d", np.arange(24).reshape(2, 3, 4) / 3.0)
    write_case("int_4d", np.arange(2 * 2 * 2 * 3).reshape(2, 2, 2, 3) - 10)

    # Negative floats and mixed signs.
    write_case("negative_floats", np.array([[-1.5, 0.25, 3.0], [-0.001, 12.75, -100.0]]))
    write_case("negative_zero", np.array([-0.0, 1.0, 2.0]))
    write_case("softmax_row", np.array([[0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.05, 0.05, 0.0]], dtype=np.float32))
    write_case("normal_float32", rng.standard_normal((5, 7)).astype(np.float32))
    write_case("normal_float64", rng.standard_normal((5, 7)))
    write_case("negative_ints", np.array([[-1, 20, -300], [4, -5, 6]]))

    # Scientific notation.
    write_case("sci_small", np.array([1e-5, 1.0, 123.456]))
    write_case("sci_ratio", np.array([1.0, 2000.0]))
    write_case("sci_big", np.array([1e8, 1.0]))
    write_case("sci_exp3", np.array([1e-300, 1.0, 1e300]))
    write_case("sci_float32", np.array([[1.5e-7, -2.0], [3.25e4, 0.0]], dtype=np.float32))
    write_case("sci_integral", np.array([1e-5, 1e10]))
    write_case("sci_normal", rng.standard_normal((3, 4)) * np.array([1e-6, 1, 1e3, 1e6]))
    write_case("sci_suppressed", np.array([1e-5, 1.0, 123.456]), suppress=True)

    # Precision: rounding to 8 digits, carries, other precisions.
    write_case("round_carry", np.array([0.999999999, 1.5, 0.123456789]))
    write_case("precision_3", np.array([np.pi, np.e, 1.0]), precision=3)
    write_case("precision_3_sci", np.array([np.pi * 1e-6, np.e, 1.0]), precision=3)

    # Non-finite values.
    write_case("nonfinite", np.array([np.nan, 1.5, -np.inf, np.inf]))
    write_case("nonfinite_only", np.array([np.nan, np.inf]))

    # Edge shapes.
    write_case("empty", np.zeros((0,)))
    write_case("empty_2d", np.zeros((2, 0)))
    write_case("scalar_float", np.array(0.5))
    write_case("scalar_int", np.array(7))
    write_case("one_by_one", np.array([[3.0]]))
    write_case("narrow_lw", np.arange(30).reshape(3, 10) * 1.5, linewidth=20)

    # Many random arrays and options in one file, cases separated by "===".
    rng = np.random.default_rng(7)
    cases = []
    for _ in range(200):
        arr = random_array(rng)
        with np.errstate(invalid="ignore", over="ignore"):
            cases.append(case_text(arr, **random_options(rng)))
    with open(os.path.join(HERE, "random.cases"), "w") as f:
        f.write("\n===\n".join(cases))


if __name__ == "__main__":
    main()
