"""A training step of a transformer encoder block on a batch of 32 sequences
of 128 steps of 128 features (4 heads of 32, feed-forward 512, post-norm,
mean pooling, 2 classes), with Adam and cross-entropy:
bench/bench_test.go's BenchmarkTransformerEncoderStep in PyTorch. Keras
original:
    x = keras.Input((128, 128))
    a = layers.MultiHeadAttention(num_heads=4, key_dim=32)(x, x)
    h = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, a]))
    f = layers.Dense(128)(layers.Dense(512, activation="relu")(h))
    h = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([h, f]))
    out = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling1D()(h))
Prints "Step N: S s" per repetition, S the mean time of a step over 10 steps
(the same batches as the Go benchmark's epoch). Run with
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp, as bench/compare
does."""
import argparse
import time

import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d=128, heads=4, ff=512):
        super().__init__()
        self.mha = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln1 = nn.LayerNorm(d, eps=1e-6)
        self.ff1 = nn.Linear(d, ff)
        self.ff2 = nn.Linear(ff, d)
        self.ln2 = nn.LayerNorm(d, eps=1e-6)
        self.out = nn.Linear(d, 2)

    def forward(self, x):
        a, _ = self.mha(x, x, x, need_weights=False)
        h = self.ln1(x + a)
        h = self.ln2(h + self.ff2(torch.relu(self.ff1(h))))
        return self.out(h.mean(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    steps, n = 10, 32 * 10
    i = torch.arange(n * 128 * 128)
    x = (((i * 7919) % 1999).float() / 1000 - 1).reshape(n, 128, 128)
    y = torch.arange(n) % 2
    model = Encoder()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        for s in range(steps):
            xb, yb = x[s * 32:(s + 1) * 32], y[s * 32:(s + 1) * 32]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    epoch()  # warm up
    for r in range(args.repeat):
        t0 = time.perf_counter()
        epoch()
        print("Step %d: %.5f s" % (r + 1, (time.perf_counter() - t0) / steps))


if __name__ == "__main__":
    main()
