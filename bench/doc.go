// Package bench holds the whole-program benchmarks: one training epoch of
// each of the course's three programs and prediction on the test set, on
// the real data, and training steps of sequence models (LSTM, GRU, a
// transformer encoder block) on generated data. Run them with
//
//	go test ./bench -run '^$' -bench . -benchtime 1x
//
// and compare them with PyTorch on the same machine with bench/compare.
package bench
