"""Fashion-MNIST residual CNN of examples/fashion_resnet, Keras original:
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    def residual_block(x):
        y = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
        y = layers.Conv2D(32, 3, padding="same")(y)
        return layers.Activation("relu")(layers.Add()([x, y]))
    x = residual_block(x)
    x = layers.MaxPooling2D(2)(x)
    x = residual_block(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model.fit(x_train / 255, y_train, epochs=5, validation_data=(x_test / 255, y_test))
Keras's padding="same" with a 3x3 kernel and stride 1 is PyTorch's
padding=1. The model returns logits; common.py's loss is cross-entropy on
them, as Keras computes its loss from the softmax's logits. Run from the
PyTorch peer directory (../shared/peers/pytorch), whose common.py it uses,
as bench/compare does."""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.getcwd())
import common  # noqa: E402


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        y = torch.relu(self.conv1(x))
        return torch.relu(x + self.conv2(y))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 32, 3)
        self.block1 = Block(32)
        self.block2 = Block(32)
        self.pool = nn.MaxPool2d(2)
        self.dense = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.stem(x)))  # (32, 13, 13)
        x = self.pool(self.block1(x))  # (32, 6, 6)
        x = self.block2(x)
        return self.dense(x.mean(dim=(2, 3)))


def main():
    ap = common.common_args(__doc__, default_epochs=5)
    args = ap.parse_args()
    common.setup(args)
    data = common.to_tensors(*common.load_dataset("fashion-mnist"), scale=True, image_shape=(1, 28, 28))
    common.run("fashion_resnet", ResNet(), data, args, validate_default=True)


if __name__ == "__main__":
    main()
