// Package data builds input pipelines in the manner of tf.data: a Dataset
// is a sequence of (x, y) elements, read from slices, tensors, arrays, a
// generator function or a CSV file, and transformed by Map, Batch,
// Unbatch, Shuffle, Repeat, Take, Skip, Filter, Zip, Cache and Prefetch.
//
// A Dataset streams: nothing is read until it is iterated with All, and
// each iteration starts from the beginning, so a CSV file is read row by
// row and never held in memory (unless Cache is asked to). Shuffle is
// seeded and Map keeps its input's order whatever its number of workers,
// so a pipeline gives the same elements in the same order on every run.
// Breaking out of an iteration early stops the goroutines of Prefetch and
// a parallel Map before All returns.
//
// It also holds keras.utils's helpers for arrays: SplitDataset,
// PadSequences (pad_sequences, for token sequences of different lengths),
// and Strings, the array of texts that a model whose input feeds a
// layers.TextVectorization takes in Fit, Evaluate and Predict.
package data
