package seqdata

import (
	"encoding/json"
	"fmt"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/internal/safefile"
)

// WordIndex reads a Keras word index file (imdb_word_index.json,
// reuters_word_index.json): a JSON object mapping each word to its rank.
func WordIndex(spec *fetch.FileSpec, opts datasets.Options) (map[string]int, error) {
	path, err := fetch.File(spec, opts)
	if err != nil {
		return nil, err
	}
	b, err := safefile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Name, err)
	}
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %s: not a word index (a JSON object of word ranks): %w", spec.Name, path, err)
	}
	for w, i := range m {
		if i < 1 {
			return nil, fmt.Errorf("%s: %s: word %q has rank %d; ranks start at 1", spec.Name, path, w, i)
		}
	}
	return m, nil
}
