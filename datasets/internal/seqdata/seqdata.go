// Package seqdata is what Keras's imdb and reuters loaders share: reading
// the ragged word-index sequences of their .npz files (NumPy object
// arrays, pickled) and Keras's processing of them — the RandomState
// shuffle, start_char, index_from, maxlen, num_words, skip_top and
// oov_char — step for step as keras/src/datasets/imdb.py does it.
package seqdata

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/neuron-go/neuron/datasets/internal/npz"
	"github.com/neuron-go/neuron/datasets/internal/pickle"
)

// Options are load_data's processing arguments, already resolved: Keras's
// None is a false Has… flag.
type Options struct {
	NumWords, SkipTop, MaxLen int
	Seed                      int64
	StartChar, OOVChar        int
	HasStartChar, HasOOVChar  bool
	IndexFrom                 int
}

// Read returns the named arrays of the .npz at path: sequences for the
// object arrays, labels for the int64 ones.
func Read(path string, seqNames, labelNames []string) (map[string][][]int, map[string][]int, error) {
	want := map[string][]int{}
	for _, n := range append(append([]string(nil), seqNames...), labelNames...) {
		want[n] = []int{npz.Any}
	}
	m, err := npz.ReadFileAny(path, want, 0)
	if err != nil {
		return nil, nil, err
	}
	seqs := map[string][][]int{}
	for _, n := range seqNames {
		a := m[n]
		if a.Descr != "|O" {
			return nil, nil, fmt.Errorf("%s: %s has dtype %s, want an object array of sequences", path, n, a.Descr)
		}
		v, err := pickle.Load(bytes.NewReader(a.Data), int64(len(a.Data))*16+1024)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, n, err)
		}
		arr, ok := v.(*pickle.Array)
		if !ok || arr.DType.Str[0] != 'O' || len(arr.Shape) != 1 || arr.Shape[0] != a.Shape[0] {
			return nil, nil, fmt.Errorf("%s: %s: the pickle holds no object array of shape (%d,)", path, n, a.Shape[0])
		}
		out := make([][]int, len(arr.Objects))
		for i, o := range arr.Objects {
			l, ok := o.(*pickle.List)
			if !ok {
				return nil, nil, fmt.Errorf("%s: %s: element %d is not a list", path, n, i)
			}
			s := make([]int, len(l.Items))
			for j, w := range l.Items {
				iv, ok := w.(int64)
				if !ok || iv < 0 || iv > math.MaxInt32 {
					return nil, nil, fmt.Errorf("%s: %s: element %d, position %d: %v is not a word index", path, n, i, j, w)
				}
				s[j] = int(iv)
			}
			out[i] = s
		}
		seqs[n] = out
	}
	labels := map[string][]int{}
	for _, n := range labelNames {
		a := m[n]
		if a.Descr != "<i8" {
			return nil, nil, fmt.Errorf("%s: %s has dtype %s, want int64 labels", path, n, a.Descr)
		}
		l := make([]int, a.Shape[0])
		for i := range l {
			l[i] = int(int64(binary.LittleEndian.Uint64(a.Data[8*i:])))
		}
		labels[n] = l
	}
	return seqs, labels, nil
}

// Permute returns the sequences and labels in the order perm.
func Permute(xs [][]int, ys []int, perm []int) ([][]int, []int) {
	px, py := make([][]int, len(perm)), make([]int, len(perm))
	for i, j := range perm {
		px[i], py[i] = xs[j], ys[j]
	}
	return px, py
}

// Mark adds start_char and index_from as Keras does.
func Mark(xs [][]int, o Options) [][]int {
	out := make([][]int, len(xs))
	for i, x := range xs {
		var s []int
		if o.HasStartChar {
			s = append(s, o.StartChar)
		}
		for _, w := range x {
			s = append(s, w+o.IndexFrom)
		}
		out[i] = s
	}
	return out
}

// RemoveLong keeps the sequences shorter than maxlen (strictly, as
// Keras's remove_long_seq).
func RemoveLong(maxlen int, xs [][]int, ys []int) ([][]int, []int) {
	var nx [][]int
	var ny []int
	for i, x := range xs {
		if len(x) < maxlen {
			nx = append(nx, x)
			ny = append(ny, ys[i])
		}
	}
	return nx, ny
}

// Cut applies num_words, skip_top and oov_char to every sequence of the
// groups, with num_words 0 meaning the largest index of all groups (so
// that, as in Keras, that largest index itself becomes oov_char).
func Cut(o Options, groups ...[][]int) {
	num := o.NumWords
	if num == 0 {
		for _, g := range groups {
			for _, x := range g {
				for _, w := range x {
					num = max(num, w)
				}
			}
		}
	}
	for _, g := range groups {
		for i, x := range g {
			s := x[:0:0]
			for _, w := range x {
				switch {
				case o.SkipTop <= w && w < num:
					s = append(s, w)
				case o.HasOOVChar:
					s = append(s, o.OOVChar)
				}
			}
			g[i] = s
		}
	}
}

// Resolve applies Keras's defaults (seed 113, start_char 1, oov_char 2,
// index_from 3 for nil pointers) and checks the arguments.
func Resolve(name string, numWords, skipTop, maxLen int, seed *int64, start *int, noStart bool, oov *int, noOOV bool, indexFrom *int) (Options, error) {
	o := Options{NumWords: numWords, SkipTop: skipTop, MaxLen: maxLen, Seed: 113, StartChar: 1, OOVChar: 2, IndexFrom: 3, HasStartChar: !noStart, HasOOVChar: !noOOV}
	for _, c := range []struct {
		field string
		v     int
	}{{"NumWords", numWords}, {"SkipTop", skipTop}, {"MaxLen", maxLen}} {
		if c.v < 0 {
			return o, fmt.Errorf("%s: %s must be >= 0, got %d", name, c.field, c.v)
		}
	}
	if seed != nil {
		o.Seed = *seed
	}
	if start != nil {
		o.StartChar = *start
	}
	if oov != nil {
		o.OOVChar = *oov
	}
	if indexFrom != nil {
		if *indexFrom < 0 {
			return o, fmt.Errorf("%s: IndexFrom must be >= 0, got %d", name, *indexFrom)
		}
		o.IndexFrom = *indexFrom
	}
	return o, nil
}
