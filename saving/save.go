// Package saving writes models to files and reads them back, as Keras's
// keras.saving sits apart from keras.Model: the model file (architecture,
// weights, compile settings and optimizer state), the weights file, the
// backups that make training survive a kill (BackupAndRestore) and the
// checkpoints written during training (ModelCheckpoint), with the checks
// that make loading a file from anywhere safe.
//
//	if err := saving.Save(model, "mnist.safetensors"); err != nil { … }
//	model, err := saving.Load("mnist.safetensors")      // a *models.Sequential
//	fmodel, err := saving.LoadModel("resnet.safetensors") // a functional *models.Model
//
// The package encodes; the training package models owns what is encoded:
// a model describes itself (its layers and their names, its graph, its
// compile settings) and hands over its models.TrainingState (weights,
// optimizer slots, random states and, during Fit, the run's position and
// the callbacks' states), and takes one back with SetTrainingState. The
// layering is one way: saving imports models, never the reverse.
package saving

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

// Model is a model the package saves: a *models.Sequential or a
// functional *models.Model.
type Model interface {
	callbacks.Model
	Optimizer() optimizers.Optimizer
	NamedWeights() []*layers.Weight
	TrainingState() (*models.TrainingState, error)
	SetTrainingState(*models.TrainingState) error
}

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
// optimizer's state, so that Load (LoadModel for a functional model) gives
// a model that predicts exactly as this one and continues training exactly
// as this one would (Fit with InitialEpoch set to the epochs done). A
// Sequential is built first if it can be.
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
//   - "model_config": the architecture as Keras-shaped JSON. A Sequential:
//     {"class_name": "Sequential", "config": {"name": …, "seed": …,
//     "layers": [{"class_name": "Dense", "config": {"name": "dense",
//     "units": 256, "activation": "relu", …}}, …]}, "build_config":
//     {"input_shape": [null, 28, 28]}} (see layers.MarshalLayer); a
//     functional model: Keras 3's functional config (see LoadModel).
//   - "compile_config", for a compiled model: {"optimizer": {"class_name":
//     "Adam", "config": {…}}, "loss": {"class_name":
//     "SparseCategoricalCrossentropy", "config": {…}}, "metrics":
//     ["accuracy"]}; a functional model's loss, loss_weights and metrics
//     are keyed by output name, like Keras's dicts.
//   - "training_state", with compile_config: {"iterations": …,
//     "learning_rate": …, "slots": ["momentum", "velocity"],
//     "random_states": {"dropout": "<base64>"}}: the optimizer's step
//     count, rate and slot names, and the state of each layer's random
//     generator, so that training continues exactly. A backup adds
//     "position": the epoch and step, the running loss and metrics, the
//     history, the callbacks' states and a fingerprint of the run.
//   - "checksum": "sha256:" and the SHA-256 of the whole file in which
//     these 64 hexadecimal digits are replaced by '0'.
//
// The tensors are the layers' weights, named "<layer>/<weight>" as in
// NamedWeights ("dense/kernel", "dense/bias"), and, with compile_config,
// the optimizer's slots, named "optimizer/<slot>/<layer>/<weight>"
// ("optimizer/momentum/dense/kernel").
func Save(m Model, path string, opts ...SaveOption) error {
	var o saveOptions
	for _, f := range opts {
		f(&o)
	}
	meta, tensors, err := snapshot(m, formatModel, !o.noCompile, nil, nil)
	if err != nil {
		return fmt.Errorf("saving: save %s: %w", path, err)
	}
	return writeFile(path, meta, tensors)
}

// Write writes the model to w as Save writes it to a file, with the
// compile settings if it is compiled, and returns the number of bytes
// written; Read (ReadModel for a functional model) reads the result.
func Write(w io.Writer, m Model) (int64, error) {
	meta, tensors, err := snapshot(m, formatModel, true, nil, nil)
	if err != nil {
		return 0, fmt.Errorf("saving: write: %w", err)
	}
	cw := &countingWriter{w: w}
	if err := safetensors.Write(cw, meta, tensors, true); err != nil {
		return cw.n, fmt.Errorf("saving: write: %w", err)
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
// atomically as Save does, named "<layer>/<weight>" as in NamedWeights. It
// is Keras's save_weights: LoadWeights puts them back into a model of the
// same architecture.
func SaveWeights(m Model, path string) error {
	meta, tensors, err := snapshot(m, formatWeights, false, nil, nil)
	if err != nil {
		return fmt.Errorf("saving: save weights %s: %w", path, err)
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
		return fmt.Errorf("saving: save %s: %w", path, err)
	}
	return nil
}

// ensureBuilt builds a Sequential that is not built yet, from the input
// shape its first layer declares.
func ensureBuilt(m Model) error {
	if s, ok := m.(*models.Sequential); ok && !s.Built() {
		return s.Build()
	}
	return nil
}

// savedModel is the JSON of a Sequential's model_config.
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

// savedCompile is the JSON of a Sequential's compile_config.
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
func modelConfig(m Model) ([]byte, error) {
	switch m := m.(type) {
	case *models.Sequential:
		return sequentialConfig(m)
	case *models.Model:
		return functionalModelConfig(m)
	}
	return nil, fmt.Errorf("%T is neither a *models.Sequential nor a *models.Model", m)
}

// inputLayerName is the name a Sequential gives the layers.Input it
// starts with, as Keras names an InputLayer.
const inputLayerName = "input_layer"

// sequentialConfig returns a Sequential's model_config JSON.
func sequentialConfig(m *models.Sequential) ([]byte, error) {
	name := m.Name
	if name == "" {
		name = "sequential"
	}
	sm := savedModel{ClassName: "Sequential", Config: savedSequential{Name: name, Seed: m.Seed()}}
	ls, names := sequentialLayers(m)
	for i, l := range ls {
		b, err := layers.MarshalLayer(l, names[i])
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, names[i], err)
		}
		sm.Config.Layers = append(sm.Config.Layers, b)
	}
	sm.BuildConfig.InputShape = append(sm.BuildConfig.InputShape, nil)
	for _, d := range m.InputShape() {
		d := d
		sm.BuildConfig.InputShape = append(sm.BuildConfig.InputShape, &d)
	}
	return json.Marshal(sm)
}

// sequentialLayers returns every layer of a built Sequential, a leading
// layers.Input included, and their names.
func sequentialLayers(m *models.Sequential) ([]layers.Layer, []string) {
	ls, names := m.Layers(), m.LayerNames()
	if in := m.InputLayer(); in != nil {
		ls = append([]layers.Layer{in}, ls...)
		names = append([]string{inputLayerName}, names...)
	}
	return ls, names
}

// compileConfig returns the compile_config JSON.
func compileConfig(m Model) ([]byte, error) {
	switch m := m.(type) {
	case *models.Sequential:
		cfg, _ := m.CompileSettings()
		var sc savedCompile
		var err error
		if sc.Optimizer, err = optimizers.MarshalConfig(cfg.Optimizer); err != nil {
			return nil, err
		}
		if sc.Loss, err = marshalLoss(cfg.Loss); err != nil {
			return nil, err
		}
		sc.Metrics = []json.RawMessage{}
		for _, mt := range cfg.Metrics {
			b, err := metrics.MarshalConfig(mt)
			if err != nil {
				return nil, err
			}
			sc.Metrics = append(sc.Metrics, b)
		}
		return json.Marshal(sc)
	case *models.Model:
		return functionalCompileConfig(m)
	}
	return nil, fmt.Errorf("%T is neither a *models.Sequential nor a *models.Model", m)
}

// compiled reports whether a model is compiled.
func compiled(m Model) bool {
	switch m := m.(type) {
	case *models.Sequential:
		_, ok := m.CompileSettings()
		return ok
	case *models.Model:
		_, ok := m.CompileSettings()
		return ok
	}
	return false
}

// snapshot gathers what a file of the given format holds: the model's
// TrainingState, or st (a backup's, with its position pos). The tensors
// share the model's storage: write them before training goes on.
func snapshot(m Model, format string, withCompile bool, st *models.TrainingState, pos *savedPosition) (map[string]string, []safetensors.Tensor, error) {
	if err := ensureBuilt(m); err != nil {
		return nil, nil, err
	}
	weights := m.NamedWeights()
	// What Load would refuse is not written.
	for _, w := range weights {
		if i, v, bad := firstNonFinite(w.Value.Data()); bad {
			return nil, nil, fmt.Errorf("weight %s[%d] is %v; only finite weights are saved", w.Name, i, v)
		}
	}
	meta := map[string]string{metaFormat: format, metaVersion: formatVersion}
	var tensors []safetensors.Tensor
	for _, w := range weights {
		tensors = append(tensors, safetensors.Tensor{Name: w.Name, Shape: w.Value.Shape(), Data: w.Value.Data()})
	}
	if format == formatWeights {
		return meta, tensors, nil
	}
	mc, err := modelConfig(m)
	if err != nil {
		return nil, nil, err
	}
	meta[metaModel] = string(mc)
	if !withCompile || !compiled(m) {
		return meta, tensors, nil
	}
	cc, err := compileConfig(m)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (use saving.WithoutCompile() to save the model without its compile settings)", err)
	}
	meta[metaCompile] = string(cc)
	if st == nil {
		if st, err = m.TrainingState(); err != nil {
			return nil, nil, err
		}
	}
	saved := &savedTraining{
		Iterations:   st.Optimizer.Iterations,
		LearningRate: strictjson.Float(st.LearningRate),
		Slots:        []string{},
		RandomStates: st.RandomStates,
	}
	trainable := trainableWeights(st.Weights)
	for _, s := range st.Optimizer.Slots {
		saved.Slots = append(saved.Slots, s.Name)
		for j, v := range s.Values {
			w := trainable[j]
			tensors = append(tensors, safetensors.Tensor{Name: slotPrefix + s.Name + "/" + w.Name, Shape: w.Value.Shape(), Data: v})
		}
	}
	saved.Position = pos
	b, err := json.Marshal(saved)
	if err != nil {
		return nil, nil, err
	}
	meta[metaTraining] = string(b)
	return meta, tensors, nil
}

// trainableWeights returns the trainable weights of ws, which the
// optimizer's slots follow.
func trainableWeights(ws []*layers.Weight) []*layers.Weight {
	var out []*layers.Weight
	for _, w := range ws {
		if w.Trainable {
			out = append(out, w)
		}
	}
	return out
}

// firstNonFinite returns the index and value of the first NaN or infinite
// value of d.
func firstNonFinite(d []float32) (int, float32, bool) {
	for i, v := range d {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return i, v, true
		}
	}
	return 0, 0, false
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
	if r, ok := l.(losses.PerExampleLoss); ok {
		if red := r.LossReduction(); red != "" && red != losses.SumOverBatchSize {
			return nil, fmt.Errorf("loss %T with Reduction %q cannot be saved: only the default reduction can", l, red)
		}
	}
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
