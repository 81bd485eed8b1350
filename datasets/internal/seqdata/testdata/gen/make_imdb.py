"""Writes imdb.npz, a 6 + 4 review file in the format of Keras's imdb.npz
(x_* object arrays of lists of ints, y_* int64), and expected.json, what
keras.datasets.imdb.load_data returns for it with several arguments,
computed by the steps of keras/src/datasets/imdb.py. Run in testdata with
/usr/bin/python3."""

import json

import numpy as np


def obj(seqs):
    a = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        a[i] = s
    return a


train = [[1, 2, 3], [4, 5], [6, 1, 1, 7, 9], [2], [10, 11, 3, 2], [5, 5, 5, 5, 5, 5]]
test = [[3, 2, 1], [12], [1, 1], [7, 8, 9, 10]]
np.savez(
    "imdb.npz",
    x_train=obj(train),
    y_train=np.array([0, 1, 0, 1, 1, 0], dtype=np.int64),
    x_test=obj(test),
    y_test=np.array([1, 0, 0, 1], dtype=np.int64),
)


def remove_long_seq(maxlen, seq, label):
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def load(num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2, index_from=3):
    f = np.load("imdb.npz", allow_pickle=True)
    x_train, labels_train = f["x_train"], f["y_train"]
    x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train = x_train[indices]
    labels_train = labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test = x_test[indices]
    labels_test = labels_test[indices]
    if start_char is not None:
        x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
        x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    elif index_from:
        x_train = [[w + index_from for w in x] for x in x_train]
        x_test = [[w + index_from for w in x] for x in x_test]
    else:
        x_train = [[w for w in x] for x in x_train]
        x_test = [[w for w in x] for x in x_test]
    if maxlen:
        x_train, labels_train = remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long_seq(maxlen, x_test, labels_test)
    xs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if (skip_top <= w < num_words) else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    idx = len(x_train)
    return {
        "x_train": [list(map(int, x)) for x in xs[:idx]],
        "y_train": [int(v) for v in labels[:idx]],
        "x_test": [list(map(int, x)) for x in xs[idx:]],
        "y_test": [int(v) for v in labels[idx:]],
    }


cases = {
    "default": load(),
    "num_words=10,skip_top=5": load(num_words=10, skip_top=5),
    "maxlen=5,seed=7": load(maxlen=5, seed=7),
    "no_start,no_oov,index_from=0,num_words=8": load(start_char=None, oov_char=None, index_from=0, num_words=8),
}
json.dump(cases, open("expected.json", "w"), indent=0)
