// Package cifar reads CIFAR-10 and CIFAR-100 as Keras's cifar10 and
// cifar100 load_data do: the python version of the archives
// (cifar-10-python.tar.gz, cifar-100-python.tar.gz), whose batches are
// dicts pickled by Python 2's cPickle, read with package pickle (NumPy's
// array reconstruction only, as Keras's RestrictedUnpickler). The binary
// version is another download that Keras never makes; the python one is
// what a Keras user has in ~/.keras/datasets.
//
// The batches are read straight from the .tar.gz (nothing is extracted,
// so nothing can be left half-extracted), or from a directory holding the
// extracted folder, such as the one Keras's get_file extracts to.
package cifar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/datasets/internal/pickle"
	"github.com/neuron-go/neuron/internal/safefile"
)

// Set describes one of the two data sets.
type Set struct {
	File   fetch.FileSpec // the archive
	Folder string         // its top folder: "cifar-10-batches-py"
	Keras  string         // Keras's extraction directory: "cifar-10-batches-py-target"
	Train  []string       // training batch names, in order
	Test   string         // test batch name
}

// maxBatch bounds one batch's bytes; the real ones are 31 MB (CIFAR-10)
// and 155 MB (CIFAR-100's train).
const maxBatch = 200 << 20

// Load returns x (n, 32, 32, 3) and y (n, 1), uint8, for the training and
// test batches; labelKey is the dict key of the labels ("labels",
// "fine_labels", "coarse_labels") and classes bounds them.
func Load(s *Set, labelKey string, classes int, opts datasets.Options) (xTrain, yTrain, xTest, yTest datasets.Uint8Array, err error) {
	read, where, err := source(s, opts)
	if err != nil {
		return
	}
	batches, err := read(append(append([]string(nil), s.Train...), s.Test))
	if err != nil {
		err = fmt.Errorf("%s: %s: %w", s.File.Name, where, err)
		return
	}
	decode := func(names []string) (datasets.Uint8Array, datasets.Uint8Array, error) {
		var x, y []byte
		for _, n := range names {
			bx, by, err := decodeBatch(batches[n], labelKey, classes)
			if err != nil {
				return datasets.Uint8Array{}, datasets.Uint8Array{}, fmt.Errorf("%s: %s: %s: %w", s.File.Name, where, n, err)
			}
			x, y = append(x, bx...), append(y, by...)
		}
		return datasets.Uint8Array{Shape: []int{len(y), 32, 32, 3}, Data: x}, datasets.Uint8Array{Shape: []int{len(y), 1}, Data: y}, nil
	}
	if xTrain, yTrain, err = decode(s.Train); err != nil {
		return
	}
	xTest, yTest, err = decode([]string{s.Test})
	return
}

type reader func(names []string) (map[string][]byte, error)

// source picks an extracted folder or the archive.
func source(s *Set, opts datasets.Options) (reader, string, error) {
	dir := opts.Dir
	if dir == "" {
		dir = os.Getenv(s.File.EnvVar)
	}
	var cands []string
	if dir != "" {
		cands = []string{filepath.Join(dir, s.Folder), dir}
	} else if k := fetch.KerasCacheDir(); k != "" {
		cands = []string{filepath.Join(k, s.Keras, s.Folder)}
	}
	for _, c := range cands {
		if _, err := os.Stat(filepath.Join(c, s.Test)); err == nil {
			return func(names []string) (map[string][]byte, error) { return readDir(c, names) }, c, nil
		}
	}
	path, err := fetch.File(&s.File, opts)
	if err != nil {
		return nil, "", err
	}
	return func(names []string) (map[string][]byte, error) { return readArchive(path, s.Folder, names) }, path, nil
}

func readDir(dir string, names []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, n := range names {
		b, err := safefile.ReadFile(filepath.Join(dir, n))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("missing batch %s", n)
			}
			return nil, err
		}
		out[n] = b
	}
	return out, nil
}

func readArchive(path, folder string, names []string) (map[string][]byte, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("not a gzip archive: %w", err)
	}
	want := map[string]string{}
	for _, n := range names {
		want[folder+"/"+n] = n
	}
	out := map[string][]byte{}
	tr := tar.NewReader(zr)
	for len(out) < len(names) {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive: %w", err)
		}
		n, ok := want[h.Name]
		if !ok {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("%s in the archive is not a regular file", h.Name)
		}
		if h.Size > maxBatch {
			return nil, fmt.Errorf("%s in the archive is %d bytes: more than the limit of %d", h.Name, h.Size, maxBatch)
		}
		var b bytes.Buffer
		if _, err := io.Copy(&b, io.LimitReader(tr, h.Size)); err != nil {
			return nil, fmt.Errorf("%s in the archive: %w", h.Name, err)
		}
		if int64(b.Len()) != h.Size {
			return nil, fmt.Errorf("%s in the archive: truncated", h.Name)
		}
		out[n] = b.Bytes()
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("the archive has no %s/%s", folder, n)
		}
	}
	return out, nil
}

// decodeBatch unpickles one batch and turns its (n, 3072) rows, each
// 1024 red then 1024 green then 1024 blue values, into n 32×32×3 images
// (Keras's channels_last transpose).
func decodeBatch(b []byte, labelKey string, classes int) (x, y []byte, err error) {
	v, err := pickle.Load(bytes.NewReader(b), int64(len(b))*2+1024)
	if err != nil {
		return nil, nil, err
	}
	d, ok := v.(*pickle.Dict)
	if !ok {
		return nil, nil, fmt.Errorf("the pickle holds no dict")
	}
	dv, ok := d.Get("data")
	a, aok := dv.(*pickle.Array)
	if !ok || !aok || a.DType.Str != "u1" || len(a.Shape) != 2 || a.Shape[1] != 3072 || a.Fortran {
		return nil, nil, fmt.Errorf("'data' is not a uint8 array of shape (n, 3072)")
	}
	lv, ok := d.Get(labelKey)
	l, lok := lv.(*pickle.List)
	if !ok || !lok {
		return nil, nil, fmt.Errorf("no %q list", labelKey)
	}
	n := a.Shape[0]
	if len(l.Items) != n {
		return nil, nil, fmt.Errorf("%d images and %d labels", n, len(l.Items))
	}
	y = make([]byte, n)
	for i, it := range l.Items {
		c, ok := it.(int64)
		if !ok || c < 0 || c >= int64(classes) {
			return nil, nil, fmt.Errorf("label %v at index %d is outside [0, %d)", it, i, classes)
		}
		y[i] = byte(c)
	}
	x = make([]byte, n*3072)
	for i := range n {
		src := a.Data[i*3072 : (i+1)*3072]
		dst := x[i*3072 : (i+1)*3072]
		for p := range 1024 {
			dst[3*p], dst[3*p+1], dst[3*p+2] = src[p], src[1024+p], src[2048+p]
		}
	}
	return x, y, nil
}
