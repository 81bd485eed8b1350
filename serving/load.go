package serving

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/saving/kerasfile"
)

// LoadFunc loads the model file at path and returns a Predictor for it.
type LoadFunc func(path string) (*models.Predictor, error)

var (
	formatsMu sync.RWMutex
	formats   = map[string]LoadFunc{
		".safetensors": loadSafetensors,
		".keras":       loadKeras,
		".h5":          loadKeras,
		".hdf5":        loadKeras,
		".onnx":        loadONNX,
	}
)

// RegisterFormat makes Load and the Server read model files whose names
// end in ext (".keras", ".onnx", …; matched without regard to case) with
// load. A later registration of the same extension replaces the earlier.
func RegisterFormat(ext string, load LoadFunc) {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	formats[strings.ToLower(ext)] = load
}

// formatOf returns the loader of a file name, or nil.
func formatOf(name string) LoadFunc {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	return formats[strings.ToLower(filepath.Ext(name))]
}

// extensions lists the registered extensions, for errors.
func extensions() string {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	var exts []string
	for e := range formats {
		exts = append(exts, e)
	}
	slices.Sort(exts)
	return strings.Join(exts, ", ")
}

// Load loads a model file with the loader of its extension (see
// RegisterFormat; built in: .safetensors, package saving's files; .keras
// and .h5, Keras's, through package kerasfile; .onnx through package onnx)
// and returns a Predictor for it. It is the one function through which
// the Server loads models.
func Load(path string) (*models.Predictor, error) {
	load := formatOf(path)
	if load == nil {
		return nil, fmt.Errorf("serving: %s: not a model file this server reads (extensions %s)", path, extensions())
	}
	return load(path)
}

// loadSafetensors reads a model saved by package saving: a Sequential, or
// else a functional model.
func loadSafetensors(path string) (*models.Predictor, error) {
	m, err := saving.Load(path)
	if err == nil {
		return predictorOf(m, path)
	}
	if errors.Is(err, saving.ErrInvalidFile) {
		fm, ferr := saving.LoadModel(path)
		if ferr == nil {
			return predictorOf(fm, path)
		}
		// A functional model's file that is damaged says so in its own
		// error; otherwise the Sequential loader's error stands.
		if !errors.Is(ferr, saving.ErrInvalidFile) {
			return nil, ferr
		}
	}
	return nil, err
}

// loadKeras reads a Keras 3 .keras archive or a legacy .h5 file.
func loadKeras(path string) (*models.Predictor, error) {
	m, err := kerasfile.Load(path)
	if err != nil {
		return nil, err
	}
	return predictorOf(m, path)
}

// loadONNX reads an ONNX model.
func loadONNX(path string) (*models.Predictor, error) {
	m, err := onnx.Import(path)
	if err != nil {
		return nil, err
	}
	return m.NewPredictor(models.PredictorConfig{BatchSize: -1})
}

// predictorOf makes the Predictor of a loaded model, running every call
// as one batch (the server's batches are already bounded).
func predictorOf(m any, path string) (*models.Predictor, error) {
	switch m := m.(type) {
	case *models.Sequential:
		return m.NewPredictor(models.PredictorConfig{BatchSize: -1})
	case *models.Model:
		return m.NewPredictor(models.PredictorConfig{BatchSize: -1})
	}
	return nil, fmt.Errorf("serving: %s: a %T has no Predictor", path, m)
}

// versionDir is one version found on disk.
type versionDir struct {
	num  int64
	path string // the model file
	err  error  // why the version cannot be loaded, if it cannot
}

// scan finds the versions of a model: a model file is version 1; a
// directory holds TF Serving's layout, one subdirectory per version named
// by a positive integer, each with one model file in it. Subdirectories
// and files of other names are ignored, as TF Serving ignores them.
func scan(base string) ([]versionDir, error) {
	info, err := os.Stat(base)
	if err != nil {
		return nil, fmt.Errorf("model path %s: %w", base, unwrapPath(err))
	}
	if !info.IsDir() {
		return []versionDir{{num: 1, path: base}}, nil
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		return nil, fmt.Errorf("model directory %s: %w", base, unwrapPath(err))
	}
	var out []versionDir
	for _, e := range entries {
		n, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || n <= 0 || !e.IsDir() || strconv.FormatInt(n, 10) != e.Name() {
			continue
		}
		dir := filepath.Join(base, e.Name())
		v := versionDir{num: n}
		v.path, v.err = modelFile(dir)
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b versionDir) int { return int(min(max(a.num-b.num, -1), 1)) })
	if len(out) == 0 {
		return nil, fmt.Errorf("model directory %s has no version subdirectory (1, 2, …) and is not a model file", base)
	}
	return out, nil
}

// modelFile returns the one model file of a version directory.
func modelFile(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("version directory %s: %w", dir, unwrapPath(err))
	}
	var found []string
	for _, e := range entries {
		if !e.IsDir() && formatOf(e.Name()) != nil {
			found = append(found, filepath.Join(dir, e.Name()))
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("version directory %s holds no model file (extensions %s)", dir, extensions())
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("version directory %s holds %d model files (%s); keep one", dir, len(found), strings.Join(found, ", "))
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// stamp identifies a file's contents for reloading: a changed size or
// modification time is a new file.
type stamp struct {
	size int64
	mod  int64
}

func stampOf(path string) (stamp, error) {
	info, err := os.Stat(path)
	if err != nil {
		return stamp{}, err
	}
	return stamp{info.Size(), info.ModTime().UnixNano()}, nil
}
