package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// File formats and metadata keys.
const (
	formatModel   = "neuron.model"
	formatWeights = "neuron.weights"
	formatBackup  = "neuron.backup"
	formatVersion = "1"

	metaFormat   = "format"
	metaVersion  = "format_version"
	metaModel    = "model_config"
	metaCompile  = "compile_config"
	metaTraining = "training_state"

	slotPrefix = "optimizer/"
)

// SaveOption changes what Save writes.
type SaveOption func(*saveOptions)

type saveOptions struct{ noCompile bool }

// WithoutCompile makes Save leave out the compile settings and the
// optimizer's state: the file then holds the architecture and the weights,
// which is all that prediction needs, and is smaller (Adam's state is twice
// the size of the weights). A model loaded from it must be compiled again
// before Fit or Evaluate.
func WithoutCompile() SaveOption { return func(o *saveOptions) { o.noCompile = true } }

// Save writes the whole model to one file at path: the architecture, the
// weights and, if the model is compiled, the compile settings and the
// optimizer's state, so that Load gives a model that predicts exactly as
// this one and continues training exactly as this one would (Fit with
// InitialEpoch set to the epochs done). The model must be built.
//
// The file is replaced atomically: it is written to a temporary file in
// the same directory, synced and renamed into place, so on any error, a
// kill or a full disk, the file previously at path is left as it was.
// Errors from the file system wrap the underlying error, so
// errors.Is(err, syscall.ENOSPC) works.
//
// # File format
//
// The file has the safetensors layout
// (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header, then the tensors' values as little-endian
// float32; any safetensors reader can open it. The header's
// "__metadata__" holds strings:
//
//   - "format": "neuron.model" (Save), "neuron.weights" (SaveWeights) or
//     "neuron.backup" (BackupAndRestore); "format_version": "1".
//   - "model_config": the architecture as Keras-shaped JSON:
//     {"class_name": "Sequential", "config": {"name": …, "seed": …,
//     "layers": [{"class_name": "Dense", "config": {"name": "dense",
//     "units": 256, "activation": "relu", …}}, …]}, "build_config":
//     {"input_shape": [null, 28, 28]}} (see layers.MarshalLayer).
//   - "compile_config", for a compiled model: {"optimizer": {"class_name":
//     "Adam", "config": {…}}, "loss": {"class_name":
//     "SparseCategoricalCrossentropy", "config": {…}}, "metrics":
//     ["accuracy"]}.
//   - "training_state", with compile_config: {"iterations": …,
//     "learning_rate": …, "slots": ["momentum", "velocity"],
//     "random_states": {"dropout": "<base64>"}}: the optimizer's step
//     count, rate and slot names, and the state of each layer's random
//     generator, so that training continues exactly. A backup adds
//     "position": the epoch and step, the running loss and metrics, the
//     history and a fingerprint of the run.
//   - "checksum": "sha256:" and the SHA-256 of the whole file in which
//     these 64 hexadecimal digits are replaced by '0'.
//
// The tensors are the layers' weights, named "<layer>/<weight>" as in
// WeightNames ("dense/kernel", "dense/bias"), and, with compile_config,
// the optimizer's slots, named "optimizer/<slot>/<layer>/<weight>"
// ("optimizer/momentum/dense/kernel").
func (m *Sequential) Save(path string, opts ...SaveOption) error {
	var o saveOptions
	for _, f := range opts {
		f(&o)
	}
	return m.eng().save(path, o)
}

// save writes the model file.
func (e *engine) save(path string, o saveOptions) error {
	meta, tensors, err := e.snapshot(formatModel, !o.noCompile)
	if err != nil {
		return fmt.Errorf("models: save %s: %w", path, err)
	}
	return writeFile(path, meta, tensors)
}

// WriteTo writes the model as Save does, with the compile settings if it
// is compiled, to w. It implements io.WriterTo; Read reads the result.
func (m *Sequential) WriteTo(w io.Writer) (int64, error) { return m.eng().writeTo(w) }

func (e *engine) writeTo(w io.Writer) (int64, error) {
	meta, tensors, err := e.snapshot(formatModel, true)
	if err != nil {
		return 0, fmt.Errorf("models: write: %w", err)
	}
	cw := &countingWriter{w: w}
	if err := safetensors.Write(cw, meta, tensors, true); err != nil {
		return cw.n, fmt.Errorf("models: write: %w", err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

// Write implements io.Writer.
func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// SaveWeights writes the weights of every layer to a file at path,
// atomically as Save does, named "<layer>/<weight>" as in WeightNames. It
// is Keras's save_weights: LoadWeights puts them back into a model of the
// same architecture.
func (m *Sequential) SaveWeights(path string) error { return m.eng().saveWeights(path) }

func (e *engine) saveWeights(path string) error {
	meta, tensors, err := e.snapshot(formatWeights, false)
	if err != nil {
		return fmt.Errorf("models: save weights %s: %w", path, err)
	}
	return writeFile(path, meta, tensors)
}

// testWriter, if set by a test, wraps the writer of every file the
// package saves, to inject write errors.
var testWriter func(io.Writer) io.Writer

// writeFile writes a neuron file atomically.
func writeFile(path string, meta map[string]string, tensors []safetensors.Tensor) error {
	err := atomicfile.WriteFile(path, func(w io.Writer) error {
		if testWriter != nil {
			w = testWriter(w)
		}
		return safetensors.Write(w, meta, tensors, true)
	}, 0o644)
	if err != nil {
		return fmt.Errorf("models: save %s: %w", path, err)
	}
	return nil
}

// savedModel is the JSON of model_config.
type savedModel struct {
	ClassName   string          `json:"class_name"`
	Config      savedSequential `json:"config"`
	BuildConfig savedBuild      `json:"build_config"`
}

type savedSequential struct {
	Name   string            `json:"name"`
	Seed   uint64            `json:"seed"`
	Layers []json.RawMessage `json:"layers"`
}

type savedBuild struct {
	InputShape []*int `json:"input_shape"`
}

// savedCompile is the JSON of compile_config.
type savedCompile struct {
	Optimizer json.RawMessage   `json:"optimizer"`
	Loss      json.RawMessage   `json:"loss"`
	Metrics   []json.RawMessage `json:"metrics"`
}

// savedTraining is the JSON of training_state.
type savedTraining struct {
	Iterations   int               `json:"iterations"`
	LearningRate strictjson.Float  `json:"learning_rate"`
	Slots        []string          `json:"slots"`
	RandomStates map[string][]byte `json:"random_states"`
	// Position is where a backup was taken (backups only).
	Position *savedPosition `json:"position,omitempty"`
}

// modelConfig returns the model_config JSON.
func (m *Sequential) modelConfig() ([]byte, error) {
	name := m.Name
	if name == "" {
		name = "sequential"
	}
	sm := savedModel{ClassName: "Sequential", Config: savedSequential{Name: name, Seed: m.seed}}
	for i, l := range m.layers {
		b, err := layers.MarshalLayer(l, m.names[i])
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, m.names[i], err)
		}
		sm.Config.Layers = append(sm.Config.Layers, b)
	}
	sm.BuildConfig.InputShape = append(sm.BuildConfig.InputShape, nil)
	for _, d := range m.inShape {
		d := d
		sm.BuildConfig.InputShape = append(sm.BuildConfig.InputShape, &d)
	}
	return json.Marshal(sm)
}

// compileConfig returns the compile_config JSON.
func (m *Sequential) compileConfig() ([]byte, error) {
	var sc savedCompile
	var err error
	if sc.Optimizer, err = optimizers.MarshalConfig(m.optimizer); err != nil {
		return nil, err
	}
	if sc.Loss, err = marshalLoss(m.loss); err != nil {
		return nil, err
	}
	sc.Metrics = []json.RawMessage{}
	for _, mt := range m.metrics {
		b, err := metrics.MarshalConfig(mt)
		if err != nil {
			return nil, err
		}
		sc.Metrics = append(sc.Metrics, b)
	}
	return json.Marshal(sc)
}

// snapshot gathers what a file of the given format holds. The tensors
// share the model's storage: write them before training goes on.
func (e *engine) snapshot(format string, withCompile bool) (map[string]string, []safetensors.Tensor, error) {
	return e.snapshotAt(format, withCompile, nil)
}

// snapshotAt is snapshot with a backup's position in training_state.
func (e *engine) snapshotAt(format string, withCompile bool, pos *savedPosition) (map[string]string, []safetensors.Tensor, error) {
	m := e
	if err := e.files.ensureBuilt(); err != nil {
		return nil, nil, err
	}
	// What Load would refuse is not written.
	if name, i, v, bad := e.firstNonFinite(); bad {
		return nil, nil, fmt.Errorf("weight %s[%d] is %v; only finite weights are saved", name, i, v)
	}
	meta := map[string]string{metaFormat: format, metaVersion: formatVersion}
	var tensors []safetensors.Tensor
	for _, nl := range e.net.layers {
		for _, w := range nl.layer.Weights() {
			tensors = append(tensors, safetensors.Tensor{Name: nl.name + "/" + w.Name, Shape: w.Value.Shape(), Data: w.Value.Data()})
		}
	}
	if format == formatWeights {
		return meta, tensors, nil
	}
	mc, err := e.files.modelConfig()
	if err != nil {
		return nil, nil, err
	}
	meta[metaModel] = string(mc)
	if !withCompile || !m.compiled {
		return meta, tensors, nil
	}
	cc, err := e.files.compileConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("%w (use models.WithoutCompile() to save the model without its compile settings)", err)
	}
	meta[metaCompile] = string(cc)
	st, slots, err := m.trainingState()
	if err != nil {
		return nil, nil, err
	}
	st.Position = pos
	b, err := json.Marshal(st)
	if err != nil {
		return nil, nil, err
	}
	meta[metaTraining] = string(b)
	return meta, append(tensors, slots...), nil
}

// trainingState returns the optimizer's and the layers' random states,
// and the optimizer's slots as tensors.
func (m *engine) trainingState() (*savedTraining, []safetensors.Tensor, error) {
	so, ok := m.optimizer.(optimizers.Stateful)
	if !ok {
		return nil, nil, fmt.Errorf("optimizer %T does not implement optimizers.Stateful", m.optimizer)
	}
	state, err := so.State()
	if err != nil {
		return nil, nil, err
	}
	if !slotsFit(state, m.weights) {
		// Not built for these weights yet: no update has been made with
		// them, and Apply would start from this fresh state.
		m.optimizer.Build(m.weights)
		if state, err = so.State(); err != nil {
			return nil, nil, err
		}
	}
	st := &savedTraining{
		Iterations:   state.Iterations,
		LearningRate: strictjson.Float(m.optimizer.LR()),
		Slots:        []string{},
		RandomStates: map[string][]byte{},
	}
	var tensors []safetensors.Tensor
	for _, s := range state.Slots {
		st.Slots = append(st.Slots, s.Name)
		for j, w := range m.weights {
			tensors = append(tensors, safetensors.Tensor{Name: slotPrefix + s.Name + "/" + m.weightNames[j], Shape: w.Shape(), Data: s.Values[j]})
		}
	}
	for i, nl := range m.net.layers {
		if r, ok := nl.layer.(layers.RandomStater); ok {
			b, err := r.RandomState()
			if err != nil {
				return nil, nil, fmt.Errorf("layer %d (%s): %w", i, nl.name, err)
			}
			if b == nil {
				b = []byte{}
			}
			st.RandomStates[nl.name] = b
		}
	}
	return st, tensors, nil
}

// slotsFit reports whether every slot has one slice per weight, of the
// weight's size.
func slotsFit(s optimizers.State, weights []*tensor.Tensor) bool {
	for _, sl := range s.Slots {
		if len(sl.Values) != len(weights) {
			return false
		}
		for j, w := range weights {
			if len(sl.Values[j]) != w.Size() {
				return false
			}
		}
	}
	return true
}

// savedLoss is a loss in Keras's serialized form.
type savedLoss struct {
	ClassName string          `json:"class_name"`
	Config    json.RawMessage `json:"config"`
}

type lossConfig struct {
	Name       string `json:"name"`
	FromLogits *bool  `json:"from_logits,omitempty"`
	// LabelSmoothing is written only when set, so files without it stay as before.
	LabelSmoothing *float32 `json:"label_smoothing,omitempty"`
}

// marshalLoss returns the saved form of a built-in loss.
func marshalLoss(l losses.Loss) ([]byte, error) {
	var class string
	var fromLogits *bool
	var smoothing float32
	switch v := l.(type) {
	case losses.SparseCategoricalCrossentropy:
		class, fromLogits = "SparseCategoricalCrossentropy", &v.FromLogits
	case *losses.SparseCategoricalCrossentropy:
		class, fromLogits = "SparseCategoricalCrossentropy", &v.FromLogits
	case losses.CategoricalCrossentropy:
		class, fromLogits, smoothing = "CategoricalCrossentropy", &v.FromLogits, v.LabelSmoothing
	case *losses.CategoricalCrossentropy:
		class, fromLogits, smoothing = "CategoricalCrossentropy", &v.FromLogits, v.LabelSmoothing
	case losses.BinaryCrossentropy:
		class, fromLogits, smoothing = "BinaryCrossentropy", &v.FromLogits, v.LabelSmoothing
	case *losses.BinaryCrossentropy:
		class, fromLogits, smoothing = "BinaryCrossentropy", &v.FromLogits, v.LabelSmoothing
	case losses.MeanSquaredError, *losses.MeanSquaredError:
		class = "MeanSquaredError"
	default:
		c, ok := losses.KerasClass(l)
		if ok {
			class = c
			break
		}
		if c != "" {
			return nil, fmt.Errorf("loss %+v cannot be saved: only its default settings can", l)
		}
		return nil, fmt.Errorf("loss %T cannot be saved (only the losses package's can)", l)
	}
	cfg := lossConfig{Name: l.Name(), FromLogits: fromLogits}
	if smoothing != 0 {
		cfg.LabelSmoothing = &smoothing
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(savedLoss{class, body})
}

// unmarshalLoss builds a loss from its saved form.
func unmarshalLoss(data []byte) (losses.Loss, error) {
	var s savedLoss
	if err := strictjson.Decode(data, &s); err != nil {
		return nil, err
	}
	if s.Config == nil {
		return nil, fmt.Errorf("%q: config is missing", s.ClassName)
	}
	var c lossConfig
	if err := strictjson.Decode(s.Config, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", s.ClassName, err)
	}
	logits := c.FromLogits != nil && *c.FromLogits
	var smooth float32
	if c.LabelSmoothing != nil {
		if s.ClassName != "CategoricalCrossentropy" && s.ClassName != "BinaryCrossentropy" {
			return nil, fmt.Errorf("%s: unknown key \"label_smoothing\"", s.ClassName)
		}
		if smooth = *c.LabelSmoothing; !(smooth >= 0 && smooth <= 1) {
			return nil, fmt.Errorf("%s: label_smoothing must be in [0, 1], got %v", s.ClassName, smooth)
		}
	}
	switch s.ClassName {
	case "SparseCategoricalCrossentropy":
		return losses.SparseCategoricalCrossentropy{FromLogits: logits}, nil
	case "CategoricalCrossentropy":
		return losses.CategoricalCrossentropy{FromLogits: logits, LabelSmoothing: smooth}, nil
	case "BinaryCrossentropy":
		return losses.BinaryCrossentropy{FromLogits: logits, LabelSmoothing: smooth}, nil
	case "MeanSquaredError":
		if c.FromLogits != nil {
			return nil, errors.New("MeanSquaredError: unknown key \"from_logits\"")
		}
		return losses.MeanSquaredError{}, nil
	}
	if l, ok := losses.FromKerasClass(s.ClassName); ok {
		if c.FromLogits != nil {
			return nil, fmt.Errorf("%s: unknown key \"from_logits\"", s.ClassName)
		}
		return l, nil
	}
	return nil, fmt.Errorf("unknown loss class %q (known: BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError, SparseCategoricalCrossentropy)", s.ClassName)
}

// removeIfExists removes a file, ignoring a missing one.
func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
