package imdb

import (
	"fmt"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/datasets/internal/nprand"
	"github.com/neuron-go/neuron/datasets/internal/seqdata"
)

// npzSpec is Keras's imdb.npz; tests point it at local files.
var npzSpec = fetch.FileSpec{
	Name:   "imdb",
	EnvVar: "NEURON_IMDB_DIR",
	File:   "imdb.npz",
	SHA256: "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
}

// LoadOptions are the arguments of keras.datasets.imdb.load_data. The
// zero value is Keras's defaults: all words, none skipped, no maxlen,
// seed 113, start_char 1, oov_char 2, index_from 3.
type LoadOptions struct {
	// Options says where imdb.npz is: Options.Dir or NEURON_IMDB_DIR,
	// neuron's cache, Keras's ~/.keras/datasets, else a download from
	// Keras's address checked against Keras's SHA-256.
	datasets.Options
	// NumWords keeps the words of index below NumWords (after
	// IndexFrom); 0 is Keras's None, all words.
	NumWords int
	// SkipTop replaces the indices below SkipTop by OOVChar.
	SkipTop int
	// MaxLen, if > 0, drops the reviews of MaxLen words or more (start
	// character included), as Keras's remove_long_seq does.
	MaxLen int
	// Seed seeds NumPy's RandomState shuffle; nil means Keras's 113.
	Seed *int64
	// StartChar marks the start of each review; nil means 1.
	// NoStartChar is Keras's start_char=None.
	StartChar   *int
	NoStartChar bool
	// OOVChar replaces cut words; nil means 2. NoOOVChar is Keras's
	// oov_char=None: cut words are dropped.
	OOVChar   *int
	NoOOVChar bool
	// IndexFrom is added to every word index; nil means 3.
	IndexFrom *int
}

// LoadData returns Keras's keras.datasets.imdb.load_data: the 25,000
// training and 25,000 test reviews as lists of word indices, in Keras's
// order (the same RandomState shuffle), with 0/1 labels. Pad them with
// data.PadSequences for a model.
func LoadData(opts LoadOptions) (xTrain [][]int, yTrain []int, xTest [][]int, yTest []int, err error) {
	o, err := seqdata.Resolve("imdb", opts.NumWords, opts.SkipTop, opts.MaxLen, opts.Seed, opts.StartChar, opts.NoStartChar, opts.OOVChar, opts.NoOOVChar, opts.IndexFrom)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	rng, err := nprand.New(o.Seed)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("imdb: Seed: %w", err)
	}
	path, err := fetch.File(&npzSpec, opts.Options)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	seqs, labels, err := seqdata.Read(path, []string{"x_train", "x_test"}, []string{"y_train", "y_test"})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("imdb: %w", err)
	}
	xTrain, yTrain, xTest, yTest = seqs["x_train"], labels["y_train"], seqs["x_test"], labels["y_test"]
	if len(xTrain) != len(yTrain) || len(xTest) != len(yTest) {
		return nil, nil, nil, nil, fmt.Errorf("imdb: %s: %d and %d training reviews and labels, %d and %d test ones", path, len(xTrain), len(yTrain), len(xTest), len(yTest))
	}
	xTrain, yTrain = seqdata.Permute(xTrain, yTrain, rng.Permutation(len(xTrain)))
	xTest, yTest = seqdata.Permute(xTest, yTest, rng.Permutation(len(xTest)))
	xTrain, xTest = seqdata.Mark(xTrain, o), seqdata.Mark(xTest, o)
	if o.MaxLen > 0 {
		xTrain, yTrain = seqdata.RemoveLong(o.MaxLen, xTrain, yTrain)
		xTest, yTest = seqdata.RemoveLong(o.MaxLen, xTest, yTest)
		if len(xTrain) == 0 || len(xTest) == 0 {
			return nil, nil, nil, nil, fmt.Errorf("imdb: after filtering for sequences shorter than MaxLen=%d, no sequence was kept; increase MaxLen", o.MaxLen)
		}
	}
	seqdata.Cut(o, xTrain, xTest)
	return xTrain, yTrain, xTest, yTest, nil
}

// wordIndexSpec is Keras's imdb_word_index.json; Keras pins its MD5.
var wordIndexSpec = fetch.FileSpec{
	Name:   "imdb",
	EnvVar: "NEURON_IMDB_DIR",
	File:   "imdb_word_index.json",
	SHA256: "bfafd718b763782e994055a2d397834f",
}

// GetWordIndex returns Keras's keras.datasets.imdb.get_word_index: each
// word's rank by frequency. The indices in LoadData's reviews are these
// ranks plus IndexFrom (3 by default); 1 is the start and 2 the OOV mark.
func GetWordIndex(opts datasets.Options) (map[string]int, error) {
	return seqdata.WordIndex(&wordIndexSpec, opts)
}
