package models

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// CrossValidation is the outcome of KFold.
type CrossValidation struct {
	// Folds holds, for each fold, the logs of its last epoch: the training
	// metrics and the validation metrics on the held-out fold ("val_loss",
	// "val_accuracy", …).
	Folds []map[string]float64
	// Mean and Std are the mean and (population) standard deviation of each
	// key over the folds.
	Mean, Std map[string]float64
}

// KFoldConfig configures KFold.
type KFoldConfig struct {
	// K is the number of folds (at least 2; default 5, as scikit-learn).
	K int
	// Shuffle shuffles the rows (with Seed) before cutting the folds;
	// otherwise fold i is the i-th consecutive block of rows, as
	// scikit-learn's KFold(shuffle=False).
	Shuffle bool
	// Seed drives the shuffle.
	Seed uint64
	// Fit configures each fold's training; ValidationData and
	// ValidationSplit must be unset (the held-out fold is the validation
	// data).
	Fit FitConfig
}

// KFold runs k-fold cross-validation: it cuts the rows of x and y into K
// folds and, for each fold, builds a fresh compiled model with newModel,
// trains it on the other folds and validates it on that fold. Keras leaves
// this to scikit-learn; the fold sizes follow scikit-learn's KFold (the
// first n mod K folds get one extra row).
//
// x and y are tensors or other Arrays, such as the uint8 arrays of package
// datasets. The folds are views of them: no rows are copied beyond the
// batches Fit assembles.
func KFold(x, y Array, newModel func(fold int) (*Sequential, error), cfg KFoldConfig) (*CrossValidation, error) {
	if cfg.K == 0 {
		cfg.K = 5
	}
	if isNil(x) || isNil(y) || x.Rank() == 0 || y.Rank() == 0 {
		return nil, errors.New("models: kfold: x and y must be non-nil arrays with a batch axis")
	}
	if newModel == nil {
		return nil, errors.New("models: kfold: newModel is nil")
	}
	n := x.Dim(0)
	switch {
	case cfg.K < 2:
		return nil, fmt.Errorf("models: kfold: K must be at least 2, got %d", cfg.K)
	case cfg.K > n:
		return nil, fmt.Errorf("models: kfold: K = %d is more than the %d rows", cfg.K, n)
	case y.Dim(0) != n:
		return nil, fmt.Errorf("models: kfold: y has %d rows but x has %d", y.Dim(0), n)
	case cfg.Fit.ValidationData != nil || cfg.Fit.ValidationSplit != 0:
		return nil, errors.New("models: kfold: Fit.ValidationData and Fit.ValidationSplit must be unset; each fold validates on its held-out rows")
	}
	return kfold(n, cfg, func(fold int, trainIdx, valIdx []int) (*History, error) {
		m, err := newModel(fold)
		if err != nil {
			return nil, fmt.Errorf("models: kfold: fold %d: building the model: %w", fold, err)
		}
		if m == nil {
			return nil, fmt.Errorf("models: kfold: fold %d: newModel returned a nil model and no error", fold)
		}
		fc := cfg.Fit
		fc.ValidationData = &Data{X: rowsAt(x, valIdx), Y: rowsAt(y, valIdx)}
		h, err := m.Fit(rowsAt(x, trainIdx), rowsAt(y, trainIdx), fc)
		if err != nil {
			return nil, fmt.Errorf("models: kfold: fold %d: %w", fold, err)
		}
		return h, nil
	})
}

// KFoldModel is KFold for a functional model: x holds one array per input
// and y one per output, all with the same rows, and every array is cut
// into the same folds.
func KFoldModel(x, y []Array, newModel func(fold int) (*Model, error), cfg KFoldConfig) (*CrossValidation, error) {
	if cfg.K == 0 {
		cfg.K = 5
	}
	if len(x) == 0 || len(y) == 0 {
		return nil, errors.New("models: kfold: x and y must hold at least one array each")
	}
	if newModel == nil {
		return nil, errors.New("models: kfold: newModel is nil")
	}
	n := -1
	for i, a := range append(slices.Clone(x), y...) {
		if isNil(a) || a.Rank() == 0 {
			return nil, fmt.Errorf("models: kfold: array %d of x and y is nil or has no batch axis", i)
		}
		if n < 0 {
			n = a.Dim(0)
		} else if a.Dim(0) != n {
			return nil, fmt.Errorf("models: kfold: array %d of x and y has %d rows, the first has %d", i, a.Dim(0), n)
		}
	}
	switch {
	case cfg.K < 2:
		return nil, fmt.Errorf("models: kfold: K must be at least 2, got %d", cfg.K)
	case cfg.K > n:
		return nil, fmt.Errorf("models: kfold: K = %d is more than the %d rows", cfg.K, n)
	case cfg.Fit.ValidationData != nil || cfg.Fit.ValidationSplit != 0:
		return nil, errors.New("models: kfold: Fit.ValidationData and Fit.ValidationSplit must be unset; each fold validates on its held-out rows")
	}
	rows := func(as []Array, idx []int) []Array {
		out := make([]Array, len(as))
		for i, a := range as {
			out[i] = rowsAt(a, idx)
		}
		return out
	}
	return kfold(n, cfg, func(fold int, trainIdx, valIdx []int) (*History, error) {
		m, err := newModel(fold)
		if err != nil {
			return nil, fmt.Errorf("models: kfold: fold %d: building the model: %w", fold, err)
		}
		if m == nil {
			return nil, fmt.Errorf("models: kfold: fold %d: newModel returned a nil model and no error", fold)
		}
		fc := cfg.Fit
		fc.ValidationData = &Data{Inputs: rows(x, valIdx), Targets: rows(y, valIdx)}
		h, err := m.Fit(rows(x, trainIdx), rows(y, trainIdx), fc)
		if err != nil {
			return nil, fmt.Errorf("models: kfold: fold %d: %w", fold, err)
		}
		return h, nil
	})
}

// kfold cuts n rows into cfg.K folds, trains a model on each with fit
// (whose errors say the fold) and gathers the results.
func kfold(n int, cfg KFoldConfig, fit func(fold int, trainIdx, valIdx []int) (*History, error)) (*CrossValidation, error) {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if cfg.Shuffle {
		(&engine{seed: cfg.Seed}).rng(streamSplit, 0).Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	res := &CrossValidation{Mean: map[string]float64{}, Std: map[string]float64{}}
	start := 0
	for fold := 0; fold < cfg.K; fold++ {
		size := n / cfg.K
		if fold < n%cfg.K {
			size++
		}
		valIdx := order[start : start+size]
		trainIdx := append(append([]int(nil), order[:start]...), order[start+size:]...)
		start += size
		h, err := fit(fold, trainIdx, valIdx)
		if err != nil {
			return nil, err
		}
		last := map[string]float64{}
		for k, v := range h.History {
			last[k] = v[len(v)-1]
		}
		res.Folds = append(res.Folds, last)
	}
	keys := make([]string, 0)
	for k := range res.Folds[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var s, sq float64
		for _, f := range res.Folds {
			s += f[k]
		}
		mean := s / float64(len(res.Folds))
		for _, f := range res.Folds {
			sq += (f[k] - mean) * (f[k] - mean)
		}
		res.Mean[k], res.Std[k] = mean, math.Sqrt(sq/float64(len(res.Folds)))
	}
	return res, nil
}
