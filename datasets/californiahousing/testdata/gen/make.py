"""Writes california_housing.npz, 10 samples in the format of Keras's file
(x float32 (n, 8), y (n,)). Run in testdata with /usr/bin/python3."""

import numpy as np

np.savez(
    "california_housing.npz",
    x=np.arange(10 * 8, dtype=np.float32).reshape(10, 8),
    y=np.arange(10, dtype=np.float32) * 1000,
)
