#!/usr/bin/env python3
"""Writes mnist_train_16.u8 and mnist_train_16_labels.u8: the first 16
MNIST training images (16×28×28 bytes) and their labels (16 bytes), read
from train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz in the
directory given as the only argument (GoMNIST's data directory).
"""
import gzip
import os
import sys

N = 16


def main():
    src = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    with gzip.open(os.path.join(src, "train-images-idx3-ubyte.gz"), "rb") as f:
        images = f.read()[16:16 + N * 28 * 28]
    with gzip.open(os.path.join(src, "train-labels-idx1-ubyte.gz"), "rb") as f:
        labels = f.read()[8:8 + N]
    with open(os.path.join(here, "mnist_train_16.u8"), "wb") as f:
        f.write(images)
    with open(os.path.join(here, "mnist_train_16_labels.u8"), "wb") as f:
        f.write(labels)


if __name__ == "__main__":
    main()
