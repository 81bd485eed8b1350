package kerasfile

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// KerasVersion is the Keras version whose file layout Save follows, as
// written in metadata.json and in a legacy file's keras_version.
const KerasVersion = "3.16.0"

// Load reads a Keras model file, chosen by its extension: a Keras 3
// ".keras" archive or a legacy ".h5" file (Keras 2's, or Keras 3's
// save("x.h5")). The model is a *models.Sequential or a functional
// *models.Model with the file's weights; if the file holds compile
// settings the model is compiled with them, and the optimizer's state
// (iterations, learning rate, slots) is restored when the file holds it,
// so that Fit continues where Keras stopped.
//
// A file is untrusted input: nothing in it is run. Lambda layers and
// anything else holding Python code are refused (ErrUnsafe), as are layer
// classes neuron does not have, settings it lacks and dtypes other than
// float32 (ErrUnsupported), with an error naming the layer and where it is
// in the file; archives and configs beyond the limits (entry names leaving
// the archive, zip bombs, absurdly deep or large JSON) are refused with
// ErrUnsafePath or ErrInvalid, never a panic.
func Load(path string) (saving.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("kerasfile: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("kerasfile: %w", err)
	}
	var m saving.Model
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case ext == ".keras":
		m, err = ReadKeras(f, fi.Size())
	case strings.HasSuffix(strings.ToLower(path), ".weights.h5"):
		return nil, fmt.Errorf("kerasfile: load %s: a weights file holds no architecture; build the model and use LoadWeights", path)
	case ext == ".h5" || ext == ".hdf5":
		m, err = ReadH5(f, fi.Size())
	default:
		return nil, fmt.Errorf("kerasfile: load %s: extension %q: want .keras or .h5", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("kerasfile: load %s: %w", path, err)
	}
	return m, nil
}

// ReadKeras reads a Keras 3 .keras archive from the first size bytes of
// r, as Load does.
func ReadKeras(r io.ReaderAt, size int64) (saving.Model, error) {
	a, err := openArchive(r, size)
	if err != nil {
		return nil, err
	}
	if a.metadata != nil {
		var md struct {
			KerasVersion string `json:"keras_version"`
		}
		if err := json.Unmarshal(a.metadata, &md); err != nil {
			return nil, invalidf("%s: %v", metadataName, err)
		}
		// Keras 2.12 to 2.15 wrote the same archives (saving_lib), which
		// Keras 3 reads; no earlier Keras did.
		var major, minor int
		if n, _ := fmt.Sscanf(md.KerasVersion, "%d.%d", &major, &minor); n == 2 && (major < 2 || major == 2 && minor < 12) {
			return nil, invalidf("%s: keras_version %q: .keras archives are Keras 3's and Keras 2.12–2.15's", metadataName, md.KerasVersion)
		}
	}
	t, err := translateWithAssets(a.config, nil, false, a.asset)
	if err != nil {
		return nil, err
	}
	root, err := openH5(a.weights, a.weightsSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, weightsName, err)
	}
	return load3(t, root, a.weightsSize)
}

// load3 builds a translated model and reads its state from a Keras 3
// weights tree of budget bytes.
func load3(t *translated, root h5Group, budget int64) (saving.Model, error) {
	if err := checkBudget(t, budget); err != nil {
		return nil, err
	}
	m, err := build(t)
	if err != nil {
		return nil, err
	}
	st, err := newStateSetter(m)
	if err != nil {
		return nil, err
	}
	if err := readWeights3(root, t, st.state.Weights); err != nil {
		return nil, err
	}
	if t.compileConfig != nil {
		if err := restoreOptimizer3(root, m, st); err != nil {
			return nil, err
		}
	}
	return m, st.apply(m)
}

// ReadH5 reads a legacy Keras .h5 model file from the first size bytes
// of r, as Load does.
func ReadH5(r io.ReaderAt, size int64) (saving.Model, error) {
	root, err := openH5(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return loadLegacy(root, size)
}

// loadLegacy reads a legacy model file's tree of budget bytes.
func loadLegacy(root h5Group, budget int64) (saving.Model, error) {
	mc, err := stringAttr(root, "model_config")
	if err != nil {
		return nil, err
	}
	if mc == "" {
		return nil, invalidf("attribute model_config is missing: a weights-only file (use LoadWeights)")
	}
	var tc json.RawMessage
	if s, err := stringAttr(root, "training_config"); err != nil {
		return nil, err
	} else if s != "" {
		tc = json.RawMessage(s)
	}
	t, err := translateModel([]byte(mc), tc, true)
	if err != nil {
		return nil, err
	}
	if err := checkBudget(t, budget); err != nil {
		return nil, err
	}
	m, err := build(t)
	if err != nil {
		return nil, err
	}
	mw, ok, err := root.group("model_weights")
	if err != nil || !ok {
		return nil, invalidf("group model_weights is missing")
	}
	st, err := newStateSetter(m)
	if err != nil {
		return nil, err
	}
	if err := readWeightsLegacy(mw, st.state.Weights, "model_weights"); err != nil {
		return nil, err
	}
	if t.compileConfig != nil {
		if err := restoreOptimizerLegacy(root, m, st); err != nil {
			return nil, err
		}
	}
	return m, st.apply(m)
}

// build builds a translated model, without drawing initial weights when
// it can (fastinit.go).
func build(t *translated) (saving.Model, error) {
	if zc := zeroInitConfig(t); zc != nil {
		m, err := saving.FromConfigForLoading(zc, t.compileConfig)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
		}
		if err := restoreInitializers(m, t); err != nil {
			return nil, err
		}
		return m, nil
	}
	m, err := saving.FromConfigForLoading(t.modelConfig, t.compileConfig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return m, nil
}

// maxFreshBytes bounds the weights of a model built from a config alone.
const maxFreshBytes = 16 << 30

// checkBudget refuses a config whose weights could not be in a file of
// budget bytes (4 bytes a float32 value), before any is allocated: a
// small file must not make the loader allocate or initialize gigabytes.
func checkBudget(t *translated, budget int64) error {
	ws, err := saving.PlanConfig(t.modelConfig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	var n int64
	for _, w := range ws {
		v := int64(1)
		for _, d := range w.Shape {
			if d <= 0 || v > budget/int64(d) {
				return invalidf("weight %s of shape %v is larger than the %d-byte weights file", w.Name, w.Shape, budget)
			}
			v *= int64(d)
		}
		if n += v; n > budget/4 {
			return invalidf("the config's weights (%d values so far, at %s) do not fit in the %d-byte weights file", n, w.Name, budget)
		}
	}
	return nil
}

// stringAttr reads a string attribute, "" when absent.
func stringAttr(g h5Group, name string) (string, error) {
	v, ok, err := g.attr(name)
	if err != nil {
		return "", fmt.Errorf("%w: attribute %s: %v", ErrInvalid, name, err)
	}
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", invalidf("attribute %s: want a string, got %T", name, v)
	}
	if len(s) > maxConfigBytes {
		return "", invalidf("attribute %s: %d bytes; the limit is %d", name, len(s), maxConfigBytes)
	}
	return s, nil
}

// FromJSON builds a model from a Keras model config alone, as Keras's
// model_from_json does with what model.to_json() wrote (or config.json of
// an unzipped .keras folder): the architecture with fresh weights, not
// compiled. Load weights into it with LoadWeights.
func FromJSON(config []byte) (saving.Model, error) {
	t, err := translateModel(config, nil, false)
	if err != nil {
		return nil, err
	}
	t.compileConfig = nil
	if err := checkBudget(t, maxFreshBytes); err != nil {
		return nil, err
	}
	m, err := saving.FromConfig(t.modelConfig, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return m, nil
}

// LoadWeights reads the weights of a Keras weights file into m, as
// Keras's model.load_weights does: a Keras 3 ".weights.h5" file (the
// layout of model.weights.h5 in a .keras archive) or a legacy ".h5" file,
// Keras 2's save_weights or a whole legacy model file, whose layers are
// matched with m's in order. Every shape is checked before m changes.
func LoadWeights(m saving.Model, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("kerasfile: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("kerasfile: %w", err)
	}
	if err := readWeightsFile(m, f, fi.Size()); err != nil {
		return fmt.Errorf("kerasfile: load weights %s: %w", path, err)
	}
	return nil
}

func readWeightsFile(m saving.Model, r io.ReaderAt, size int64) error {
	root, err := openH5(r, size)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	mc, err := saving.ModelConfig(m)
	if err != nil {
		return err
	}
	t, err := translateModel(mc, nil, false)
	if err != nil {
		return err
	}
	// Work on copies so that m is unchanged on any error.
	st, err := m.TrainingState()
	if err != nil {
		return err
	}
	ws := copyWeights(st.Weights)
	if g, ok, _ := root.group("model_weights"); ok {
		err = readWeightsLegacy(g, ws, "model_weights")
	} else if _, ok, _ := root.attr("layer_names"); ok {
		err = readWeightsLegacy(root, ws, "/")
	} else {
		err = readWeights3(root, t, ws)
	}
	if err != nil {
		return err
	}
	st.Weights, st.Optimizer, st.RandomStates, st.LearningRate = ws, nil, nil, 0
	return m.SetTrainingState(st)
}

// stateSetter holds the state a loaded model gets.
type stateSetter struct{ state *models.TrainingState }

func newStateSetter(m saving.Model) (*stateSetter, error) {
	st, err := m.TrainingState()
	if err != nil {
		return nil, err
	}
	// The model is new: its own tensors take the file's values in place.
	st.Optimizer, st.RandomStates, st.LearningRate, st.Run = nil, nil, 0, nil
	return &stateSetter{st}, nil
}

// apply gives m the state; its weights were checked to be finite as
// they were read (readChecked).
func (s *stateSetter) apply(m saving.Model) error {
	if err := m.SetTrainingState(s.state); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

// Save writes m to a Keras file chosen by path's extension: a Keras 3
// ".keras" archive (metadata.json, config.json and model.weights.h5,
// stored uncompressed, as Keras 3.16 writes them) or a legacy ".h5" file
// (Keras 3's legacy_h5_format: attributes model_config, keras_version,
// backend and training_config, groups model_weights and
// optimizer_weights). A compiled model's compile settings and optimizer
// state are included, so that Keras's load_model gives a model that
// continues training. The file is replaced atomically: on any error the
// file previously at path is left as it was.
func Save(m saving.Model, path string) error {
	var write func(io.Writer) error
	var err error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".keras":
		write, err = kerasWriter(m)
	case ".h5", ".hdf5":
		write, err = h5Writer(m)
	default:
		return fmt.Errorf("kerasfile: save %s: extension %q: want .keras or .h5", path, ext)
	}
	if err != nil {
		return fmt.Errorf("kerasfile: save %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, write, 0o644); err != nil {
		return fmt.Errorf("kerasfile: save %s: %w", path, err)
	}
	return nil
}

// Write writes m as a .keras archive to w, as Save does for a path
// ending in .keras.
func Write(w io.Writer, m saving.Model) error {
	write, err := kerasWriter(m)
	if err != nil {
		return fmt.Errorf("kerasfile: %w", err)
	}
	return write(w)
}

func copyWeights(ws []*modelsWeight) []*modelsWeight {
	out := make([]*modelsWeight, len(ws))
	for i, w := range ws {
		c := *w
		c.Value = w.Value.Clone()
		out[i] = &c
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
