"""Writes reuters.npz, 10 newswires in the format of Keras's reuters.npz
(x an object array of lists of ints, y int64 topics), and
expected_reuters.json, what keras.datasets.reuters.load_data returns for it,
computed by the steps of keras/src/datasets/reuters.py. Run in testdata
with /usr/bin/python3."""

import json

import numpy as np

seqs = [[1, 2, 3], [4, 5], [6, 1, 1, 7, 9], [2], [10, 11, 3, 2], [5, 5, 5, 5, 5, 5], [3, 2, 1], [12], [1, 1], [7, 8, 9, 10]]
x = np.empty(len(seqs), dtype=object)
for i, s in enumerate(seqs):
    x[i] = s
np.savez("reuters.npz", x=x, y=np.array([3, 4, 3, 45, 0, 1, 19, 3, 4, 11], dtype=np.int64))


def remove_long_seq(maxlen, seq, label):
    new_seq, new_label = [], []
    for a, b in zip(seq, label):
        if len(a) < maxlen:
            new_seq.append(a)
            new_label.append(b)
    return new_seq, new_label


def load(num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1, oov_char=2, index_from=3):
    f = np.load("reuters.npz", allow_pickle=True)
    xs, labels = f["x"], f["y"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs = xs[indices]
    labels = labels[indices]
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    idx = int(len(xs) * (1 - test_split))
    return {
        "x_train": [list(map(int, a)) for a in xs[:idx]],
        "y_train": [int(v) for v in labels[:idx]],
        "x_test": [list(map(int, a)) for a in xs[idx:]],
        "y_test": [int(v) for v in labels[idx:]],
    }


cases = {
    "default": load(),
    "test_split=0.3,num_words=9,skip_top=4": load(test_split=0.3, num_words=9, skip_top=4),
    "maxlen=5,seed=1,oov=None": load(maxlen=5, seed=1, oov_char=None),
}
json.dump(cases, open("expected_reuters.json", "w"))
