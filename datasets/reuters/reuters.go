// Package reuters loads the Reuters newswire topics, as Keras's
// keras.datasets.reuters.load_data does: 11,228 newswires as lists of word
// indices, labelled over the 46 topics of LabelNames, from Keras's
// reuters.npz (ragged sequences pickled as NumPy object arrays, read by a
// reader that allows only NumPy's array reconstruction), shuffled with
// NumPy's RandomState(seed) and split where Keras splits them, so that the
// newswires come out in Keras's order.
//
// The file is looked up in Options.Dir or NEURON_REUTERS_DIR; neuron's
// cache; Keras's ~/.keras/datasets (or $KERAS_HOME/datasets); then
// downloaded from Keras's address and checked against Keras's SHA-256.
package reuters

import (
	"fmt"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/datasets/internal/nprand"
	"github.com/neuron-go/neuron/datasets/internal/seqdata"
)

var spec = fetch.FileSpec{
	Name:   "reuters",
	EnvVar: "NEURON_REUTERS_DIR",
	File:   "reuters.npz",
	SHA256: "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
}

// LabelNames names the topics: LabelNames[y] is topic y, as Keras's
// reuters.get_label_names.
var LabelNames = [46]string{
	"cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
	"money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton",
	"carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
	"meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal",
	"livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
	"lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi",
	"hog", "lead",
}

// Options are the arguments of keras.datasets.reuters.load_data; the zero
// value is Keras's defaults (all words, test_split 0.2, seed 113,
// start_char 1, oov_char 2, index_from 3).
type Options struct {
	datasets.Options
	// NumWords keeps the indices below NumWords; 0 is Keras's None.
	NumWords int
	// SkipTop replaces the indices below SkipTop by OOVChar.
	SkipTop int
	// MaxLen, if > 0, drops the newswires of MaxLen words or more.
	MaxLen int
	// TestSplit is the fraction of the newswires for the test set, in
	// [0, 1); nil means 0.2.
	TestSplit *float64
	// Seed seeds the shuffle; nil means 113.
	Seed *int64
	// StartChar (nil: 1) marks each start; NoStartChar is start_char=None.
	StartChar   *int
	NoStartChar bool
	// OOVChar (nil: 2) replaces cut words; NoOOVChar drops them instead.
	OOVChar   *int
	NoOOVChar bool
	// IndexFrom is added to every index; nil means 3.
	IndexFrom *int
}

// LoadData returns (x_train, y_train), (x_test, y_test) as Keras does.
func LoadData(opts Options) (xTrain [][]int, yTrain []int, xTest [][]int, yTest []int, err error) {
	o, err := seqdata.Resolve("reuters", opts.NumWords, opts.SkipTop, opts.MaxLen, opts.Seed, opts.StartChar, opts.NoStartChar, opts.OOVChar, opts.NoOOVChar, opts.IndexFrom)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	split := 0.2
	if opts.TestSplit != nil {
		split = *opts.TestSplit
	}
	if !(split >= 0 && split < 1) {
		return nil, nil, nil, nil, fmt.Errorf("reuters: invalid TestSplit %v: it must be between 0 and 1 (exclusive of 1)", split)
	}
	rng, err := nprand.New(o.Seed)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("reuters: Seed: %w", err)
	}
	path, err := fetch.File(&spec, opts.Options)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	seqs, labels, err := seqdata.Read(path, []string{"x"}, []string{"y"})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("reuters: %w", err)
	}
	xs, ys := seqs["x"], labels["y"]
	if len(xs) != len(ys) {
		return nil, nil, nil, nil, fmt.Errorf("reuters: %s: %d newswires and %d labels", path, len(xs), len(ys))
	}
	for i, y := range ys {
		if y < 0 || y >= len(LabelNames) {
			return nil, nil, nil, nil, fmt.Errorf("reuters: %s: label %d at index %d is outside [0, %d)", path, y, i, len(LabelNames))
		}
	}
	xs, ys = seqdata.Permute(xs, ys, rng.Permutation(len(xs)))
	xs = seqdata.Mark(xs, o)
	if o.MaxLen > 0 {
		xs, ys = seqdata.RemoveLong(o.MaxLen, xs, ys)
		if len(xs) == 0 {
			return nil, nil, nil, nil, fmt.Errorf("reuters: after filtering for sequences shorter than MaxLen=%d, no sequence was kept; increase MaxLen", o.MaxLen)
		}
	}
	seqdata.Cut(o, xs)
	cut := int(float64(len(xs)) * (1 - split))
	return xs[:cut], ys[:cut], xs[cut:], ys[cut:], nil
}

// wordIndexSpec is Keras's reuters_word_index.json; Keras pins its MD5.
var wordIndexSpec = fetch.FileSpec{
	Name:   "reuters",
	EnvVar: "NEURON_REUTERS_DIR",
	File:   "reuters_word_index.json",
	SHA256: "4d44cc38712099c9e383dc6e5f11a921",
}

// GetWordIndex returns Keras's keras.datasets.reuters.get_word_index: each
// word's rank; in LoadData's newswires a word's index is its rank plus
// IndexFrom (3 by default).
func GetWordIndex(opts datasets.Options) (map[string]int, error) {
	return seqdata.WordIndex(&wordIndexSpec, opts)
}
