// Package imdb reads the Large Movie Review Dataset of Maas et al. (2011)
// from the directory its archive unpacks to, aclImdb_v1.tar.gz from
// https://ai.stanford.edu/~amaas/data/sentiment/: 25,000 training and
// 25,000 test reviews from IMDB, half positive and half negative, one
// text file each:
//
//	aclImdb/train/neg/0_3.txt  aclImdb/train/pos/0_9.txt  …
//	aclImdb/test/neg/…         aclImdb/test/pos/…
//
// It gives the raw texts, as Keras's text classification tutorial reads
// them with keras.utils.text_dataset_from_directory("aclImdb/train"): the
// label of a review is its folder's index in sorted order, neg 0 and pos
// 1, and the other entries (train/unsup, the .feat and vocabulary files)
// are ignored. Give the texts to a layers.TextVectorization. The archive
// is not downloaded (it is 84 MB); unpack it and name the directory in
// LoadTexts or in NEURON_IMDB_DIR.
//
// LoadData is Keras's keras.datasets.imdb.load_data instead: the reviews
// already turned into word indices, from Keras's imdb.npz (its ragged
// sequences are pickled NumPy object arrays, read by a reader that allows
// only NumPy's array reconstruction, as Keras's RestrictedUnpickler), with
// num_words, skip_top, maxlen, seed, start_char, oov_char and index_from
// applied as Keras applies them and the reviews in Keras's order.
package imdb

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/internal/safefile"
	"github.com/neuron-go/neuron/tensor"
)

// ClassNames names the labels: ClassNames[y] is the folder of label y.
var ClassNames = [2]string{"neg", "pos"}

// Options changes how LoadTexts reads the reviews; the zero value reads
// them all and shuffles each split with seed 0.
type Options struct {
	// NoShuffle keeps the reviews in folder order (all of neg, then all of
	// pos, each by file name) instead of shuffling them, as Keras's
	// shuffle=False. A Fit with ValidationSplit takes the last rows, so
	// unshuffled reviews would validate on positive ones only.
	NoShuffle bool
	// Seed seeds the shuffle, so the order is the same on every run
	// (Keras draws a random seed when none is given).
	Seed uint64
	// MaxPerClass, if > 0, reads at most this many reviews of each class
	// and split, the first by file name: a quick run on part of the data.
	MaxPerClass int
}

// LoadTexts reads the training and test reviews under dir, the aclImdb
// directory (or the directory holding it); "" means the directory named
// by NEURON_IMDB_DIR. The labels are float32 tensors of shape (n), 0 for
// neg and 1 for pos. A missing directory is an error wrapping
// datasets.ErrNotFound; a file that is not a regular file (a named pipe,
// a device) is an error naming it.
func LoadTexts(dir string, opts Options) (xTrain data.Strings, yTrain *tensor.Tensor, xTest data.Strings, yTest *tensor.Tensor, err error) {
	if opts.MaxPerClass < 0 {
		return nil, nil, nil, nil, fmt.Errorf("imdb: Options.MaxPerClass must be >= 0, got %d", opts.MaxPerClass)
	}
	if dir == "" {
		dir = os.Getenv("NEURON_IMDB_DIR")
		if dir == "" {
			return nil, nil, nil, nil, fmt.Errorf("imdb: no directory given and NEURON_IMDB_DIR is not set; download %s, unpack it and name the aclImdb directory: %w", archive, datasets.ErrNotFound)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "aclImdb", "train")); err == nil && fi.IsDir() {
		dir = filepath.Join(dir, "aclImdb")
	}
	xTrain, yTrain, err = readSplit(dir, "train", opts, 1)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	xTest, yTest, err = readSplit(dir, "test", opts, 2)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return xTrain, yTrain, xTest, yTest, nil
}

const archive = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"

// readSplit reads dir/split/{neg,pos}.
func readSplit(dir, split string, opts Options, stream uint64) (data.Strings, *tensor.Tensor, error) {
	var texts data.Strings
	var labels []float32
	for label, class := range ClassNames {
		sub := filepath.Join(dir, split, class)
		entries, err := os.ReadDir(sub)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, nil, fmt.Errorf("imdb: %s is missing; want the aclImdb directory of %s, with train/neg, train/pos, test/neg and test/pos: %w", sub, archive, datasets.ErrNotFound)
			}
			return nil, nil, fmt.Errorf("imdb: %w", err)
		}
		var names []string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".txt") {
				names = append(names, e.Name())
			}
		}
		slices.Sort(names) // ReadDir sorts already; the order is part of the contract
		if opts.MaxPerClass > 0 && len(names) > opts.MaxPerClass {
			names = names[:opts.MaxPerClass]
		}
		if len(names) == 0 {
			return nil, nil, fmt.Errorf("imdb: %s holds no .txt reviews", sub)
		}
		for _, n := range names {
			b, err := safefile.ReadFile(filepath.Join(sub, n))
			if err != nil {
				return nil, nil, fmt.Errorf("imdb: %w", err)
			}
			texts = append(texts, string(b))
			labels = append(labels, float32(label))
		}
	}
	if !opts.NoShuffle {
		rng := rand.New(rand.NewPCG(opts.Seed, stream))
		rng.Shuffle(len(texts), func(i, j int) {
			texts[i], texts[j] = texts[j], texts[i]
			labels[i], labels[j] = labels[j], labels[i]
		})
	}
	return texts, tensor.FromSlice(labels, len(labels)), nil
}
