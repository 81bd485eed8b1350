"""A training step of Embedding(10000, 64) -> LSTM(64) (or GRU(64)) -> Dense(1,
sigmoid) on a batch of 32 sequences of 100 tokens, with Adam and binary
crossentropy: bench/bench_test.go's BenchmarkLSTMStep and BenchmarkGRUStep
in PyTorch. Keras original:
    model = Sequential([Input((100,)), Embedding(10000, 64), LSTM(64),
                        Dense(1, activation='sigmoid')])
    model.compile(optimizer='adam', loss='binary_crossentropy')
Prints "Step N: S s" per repetition, S the mean time of a step over 20 steps
(the same 20 batches as the Go benchmark's epoch). Run with
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp, as bench/compare
does."""
import argparse
import time

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.emb = nn.Embedding(10000, 64)
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](64, 64, batch_first=True)
        self.out = nn.Linear(64, 1)

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        return torch.sigmoid(self.out(h[:, -1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    steps, n = 20, 32 * 20
    i = torch.arange(n * 100)
    x = ((i * 7919 + i // 100 * 104729) % 10000).reshape(n, 100)
    y = (torch.arange(n) % 2).float().reshape(n, 1)
    model = Model(args.cell)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.BCELoss()

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
