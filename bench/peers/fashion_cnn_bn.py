"""Fashion-MNIST CNN with BatchNormalization, Keras original:
    model = Sequential([Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)),
                        BatchNormalization(), MaxPooling2D((2, 2)),
                        Conv2D(64, (3, 3), activation='relu'),
                        BatchNormalization(), MaxPooling2D((2, 2)),
                        Conv2D(64, (3, 3), activation='relu'),
                        BatchNormalization(), MaxPooling2D((2, 2)),
                        Flatten(), Dense(64, activation='relu'), Dense(10, activation='softmax')])
    model.fit(x_train / 255, y_train, epochs=10, validation_data=(x_test / 255, y_test))
Keras's BatchNormalization(momentum=0.99, epsilon=1e-3) is PyTorch's
BatchNorm2d(momentum=0.01, eps=1e-3). Run from the PyTorch peer directory
(../shared/peers/pytorch), whose common.py it uses, as bench/compare does."""
import os
import sys

import torch.nn as nn

sys.path.insert(0, os.getcwd())
import common  # noqa: E402


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


def build():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), bn(32), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), bn(64), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), bn(64), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def main():
    ap = common.common_args(__doc__, default_epochs=10)
    args = ap.parse_args()
    common.setup(args)
    data = common.to_tensors(*common.load_dataset("fashion-mnist"), scale=True, image_shape=(1, 28, 28))
    common.run("C_fashion_cnn_bn", build(), data, args, validate_default=True)


if __name__ == "__main__":
    main()
