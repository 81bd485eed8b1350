package saving

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/neuron-go/neuron/internal/safefile"
	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

// Errors of the loading functions, wrapped.
var (
	// ErrInvalidFile means a file is not a well-formed neuron file: a
	// truncated or damaged file, an unknown layer class, a config key that
	// is unknown or has the wrong type, a tensor whose shape does not fit
	// the architecture, and so on. The message names what is wrong.
	ErrInvalidFile = safetensors.ErrInvalid
	// ErrChecksum means the file's contents do not match its checksum:
	// it was damaged after it was written.
	ErrChecksum = safetensors.ErrChecksum
	// ErrMismatch means a weights file does not fit the model it is loaded
	// into (LoadWeights): a weight is missing, extra or of another shape.
	ErrMismatch = errors.New("file does not match the model")
)

// Limits of what a loaded model may declare.
const (
	maxLayers = 10000
	// maxValues bounds the values of one example at any layer.
	maxValues = 1 << 31
	// maxDepth bounds the nesting of functional models in a config.
	maxDepth = 32
)

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidFile, fmt.Sprintf(format, args...))
}

// Load reads a Sequential written by Save: it rebuilds the architecture
// from the file's config, puts the weights back and, if the file holds
// them, compiles the model with the saved settings and restores the
// optimizer's state. The loaded model predicts exactly as the saved one
// did.
//
// Loading runs no code from the file: layer classes come from a closed
// registry (layers.Register), the JSON is decoded strictly (unknown or
// repeated keys and values of the wrong type are errors naming the key),
// and every size is checked against the file and the architecture before
// memory is allocated for it. A damaged file gives an error wrapping
// ErrInvalidFile or ErrChecksum, never a panic.
func Load(path string) (*models.Sequential, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("saving: load %s: %w", path, err)
	}
	defer f.Close()
	m, err := read(f, size, true)
	if err != nil {
		return nil, fmt.Errorf("saving: load %s: %w", path, err)
	}
	return m, nil
}

// Read reads a Sequential written by Save or Write from the first size
// bytes of r, as Load does.
func Read(r io.ReaderAt, size int64) (*models.Sequential, error) {
	m, err := read(r, size, true)
	if err != nil {
		return nil, fmt.Errorf("saving: read: %w", err)
	}
	return m, nil
}

// openFile opens a model file for reading; a path that is not a regular
// file (a FIFO, a device, a directory) is an ErrInvalidFile that says what
// it is, refused before it could block.
func openFile(path string) (*os.File, int64, error) {
	f, size, err := safefile.Open(path)
	var nr *safefile.NotRegularError
	if errors.As(err, &nr) {
		return nil, 0, fmt.Errorf("%w: %s, not a regular file", ErrInvalidFile, nr.Kind)
	}
	return f, size, err
}

// metaKeys lists the metadata keys each format may hold.
var metaKeys = map[string][]string{
	formatModel:   {metaFormat, metaVersion, metaModel, metaCompile, metaTraining, safetensors.ChecksumKey},
	formatWeights: {metaFormat, metaVersion, safetensors.ChecksumKey},
	formatBackup:  {metaFormat, metaVersion, metaModel, metaCompile, metaTraining, safetensors.ChecksumKey},
}

// openNeuron opens a neuron file and checks its format against want.
func openNeuron(r io.ReaderAt, size int64, want ...string) (*safetensors.File, error) {
	f, err := safetensors.Open(r, size)
	if err != nil {
		return nil, err
	}
	format, ok := f.Meta[metaFormat]
	if !ok {
		return nil, invalidf("metadata %q is missing: not a file written by neuron", metaFormat)
	}
	keys, known := metaKeys[format]
	if !known {
		return nil, invalidf("metadata %q is %q; want one of %q", metaFormat, format, want)
	}
	if !slices.Contains(want, format) {
		hint := ""
		switch format {
		case formatWeights:
			hint = " (a weights file: use LoadWeights)"
		case formatBackup:
			hint = " (a BackupAndRestore backup)"
		}
		return nil, invalidf("metadata %q is %q%s; want %q", metaFormat, format, hint, want)
	}
	if v := f.Meta[metaVersion]; v != formatVersion {
		return nil, invalidf("metadata %q is %q; this version of neuron reads %q", metaVersion, v, formatVersion)
	}
	for k := range f.Meta {
		if !slices.Contains(keys, k) {
			return nil, invalidf("unknown metadata key %q in a %s file", k, format)
		}
	}
	if !f.HasChecksum() {
		return nil, invalidf("metadata %q is missing", safetensors.ChecksumKey)
	}
	return f, nil
}

// loadedModel is a Sequential's model_config decoded into layers.
type loadedModel struct {
	name    string
	seed    uint64
	layers  []layers.Layer
	names   []string
	inShape []int
	// weights lists, per layer, the weights Plan says Build will create.
	weights [][]layers.WeightShape
}

// parseModelConfig decodes a Sequential's model_config and plans the
// layers' shapes.
func parseModelConfig(s string) (*loadedModel, error) {
	var sm savedModel
	if err := strictjson.Decode([]byte(s), &sm); err != nil {
		return nil, invalidf("%s: %v", metaModel, err)
	}
	if sm.ClassName != "Sequential" {
		hint := ""
		if sm.ClassName == "Functional" {
			hint = " (a functional model: use LoadModel)"
		}
		return nil, invalidf("%s: class_name is %q%s; want \"Sequential\"", metaModel, sm.ClassName, hint)
	}
	n := len(sm.Config.Layers)
	if n == 0 || n > maxLayers {
		return nil, invalidf("%s: config.layers has %d layers; want 1 to %d", metaModel, n, maxLayers)
	}
	lm := &loadedModel{name: sm.Config.Name, seed: sm.Config.Seed}
	for i, raw := range sm.Config.Layers {
		l, name, err := layers.UnmarshalLayer(raw)
		if err != nil {
			return nil, invalidf("%s: config.layers[%d]: %v", metaModel, i, err)
		}
		lm.layers = append(lm.layers, l)
		lm.names = append(lm.names, name)
	}
	in := sm.BuildConfig.InputShape
	if len(in) < 2 || in[0] != nil {
		return nil, invalidf("%s: build_config.input_shape must be [null, d1, …] (null for the batch axis), got %s", metaModel, shapeString(in))
	}
	for _, d := range in[1:] {
		if d == nil || *d <= 0 || *d > math.MaxInt32 {
			return nil, invalidf("%s: build_config.input_shape must have positive dimensions after the batch axis, got %s", metaModel, shapeString(in))
		}
		lm.inShape = append(lm.inShape, *d)
	}
	if err := checkValues(lm.inShape); err != nil {
		return nil, invalidf("%s: build_config.input_shape: %v", metaModel, err)
	}
	shape := lm.inShape
	for i, l := range lm.layers {
		p, ok := l.(layers.Planner)
		if !ok {
			return nil, invalidf("%s: layer %d (%s): %T does not implement layers.Planner, so its weights cannot be checked before they are allocated", metaModel, i, lm.names[i], l)
		}
		out, ws, err := p.Plan(shape)
		if err != nil {
			return nil, invalidf("%s: layer %d (%s): %v", metaModel, i, lm.names[i], err)
		}
		if err := checkValues(out); err != nil {
			return nil, invalidf("%s: layer %d (%s): output shape: %v", metaModel, i, lm.names[i], err)
		}
		lm.weights = append(lm.weights, ws)
		shape = out
	}
	return lm, nil
}

// checkValues rejects shapes with non-positive dimensions or too many
// values per example.
func checkValues(s []int) error {
	n := 1
	for _, d := range s {
		if d <= 0 {
			return fmt.Errorf("shape %v has a non-positive dimension", s)
		}
		if n > maxValues/d {
			return fmt.Errorf("shape %v holds more than %d values per example", s, maxValues)
		}
		n *= d
	}
	return nil
}

func shapeString(s []*int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		if d == nil {
			parts[i] = "null"
		} else {
			parts[i] = fmt.Sprint(*d)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// checkTensor checks that the file holds the named tensor with a shape.
func checkTensor(f *safetensors.File, name string, shape []int) error {
	e, ok := f.Lookup(name)
	if !ok {
		return invalidf("tensor %q is missing", name)
	}
	if !slices.Equal(e.Shape, shape) {
		return invalidf("tensor %q has shape %v; the architecture needs %v", name, e.Shape, shape)
	}
	return nil
}

// loadedCompile is a decoded compile_config and training_state.
type loadedCompile struct {
	cfg      models.CompileConfig
	training savedTraining
}

// parseCompile decodes compile_config and training_state.
func parseCompile(f *safetensors.File) (*loadedCompile, error) {
	cc, hasCompile := f.Meta[metaCompile]
	ts, hasTraining := f.Meta[metaTraining]
	if !hasCompile && !hasTraining {
		return nil, nil
	}
	if !hasCompile || !hasTraining {
		return nil, invalidf("metadata has one of %q and %q without the other", metaCompile, metaTraining)
	}
	var sc savedCompile
	if err := strictjson.Decode([]byte(cc), &sc); err != nil {
		return nil, invalidf("%s: %v", metaCompile, err)
	}
	if sc.Optimizer == nil || sc.Loss == nil {
		return nil, invalidf("%s: optimizer and loss are required", metaCompile)
	}
	lc := &loadedCompile{}
	var err error
	if lc.cfg.Optimizer, err = optimizers.UnmarshalConfig(sc.Optimizer); err != nil {
		return nil, invalidf("%s: optimizer: %v", metaCompile, err)
	}
	if lc.cfg.Loss, err = unmarshalLoss(sc.Loss); err != nil {
		return nil, invalidf("%s: loss: %v", metaCompile, err)
	}
	for i, raw := range sc.Metrics {
		mt, err := metrics.UnmarshalConfig(raw)
		if err != nil {
			return nil, invalidf("%s: metrics[%d]: %v", metaCompile, i, err)
		}
		lc.cfg.Metrics = append(lc.cfg.Metrics, mt)
	}
	if err := parseTraining(ts, &lc.training); err != nil {
		return nil, err
	}
	return lc, nil
}

// MaxIterations bounds the optimizer step count a file may hold: 2⁵³, up
// to which the float64 step of Adam's bias correction counts exactly, far
// from the overflow of the int counter that a file holding math.MaxInt64
// would cause at the next step.
const MaxIterations = 1 << 53

// parseTraining decodes and checks training_state.
func parseTraining(ts string, t *savedTraining) error {
	if err := strictjson.Decode([]byte(ts), t); err != nil {
		return invalidf("%s: %v", metaTraining, err)
	}
	if t.Iterations < 0 || t.Iterations > MaxIterations {
		return invalidf("%s: iterations must be in [0, %d], got %d", metaTraining, MaxIterations, t.Iterations)
	}
	// A schedule may bring the rate down to 0.
	if lr := float64(t.LearningRate); !(lr >= 0) || math.IsInf(lr, 0) {
		return invalidf("%s: learning_rate must be a number >= 0, got %v", metaTraining, lr)
	}
	for i, s := range t.Slots {
		if s == "" || strings.Contains(s, "/") || slices.Contains(t.Slots[:i], s) {
			return invalidf("%s: slots[%d] = %q is empty, contains '/' or repeats", metaTraining, i, s)
		}
	}
	return nil
}

// read is Load without the file handling; verify false skips the
// checksum, for fuzzing the decoding behind it.
func read(r io.ReaderAt, size int64, verify bool) (*models.Sequential, error) {
	f, err := openNeuron(r, size, formatModel)
	if err != nil {
		return nil, err
	}
	mc, ok := f.Meta[metaModel]
	if !ok {
		return nil, invalidf("metadata %q is missing", metaModel)
	}
	lm, err := parseModelConfig(mc)
	if err != nil {
		return nil, err
	}
	lc, err := parseCompile(f)
	if err != nil {
		return nil, err
	}
	if lc != nil && lc.training.Position != nil {
		return nil, invalidf("%s: position belongs in backups only", metaTraining)
	}
	// The layers get the file's names, after which its tensors are named.
	m := models.NewSequential(lm.layers...)
	if err := nameLayers(m, lm.names); err != nil {
		return nil, err
	}
	// Every tensor must be accounted for before anything is allocated.
	var planned []plannedWeight
	for i, ws := range lm.weights {
		for _, w := range ws {
			planned = append(planned, plannedWeight{lm.names[i] + "/" + w.Name, w})
		}
	}
	if err := checkTensors(f, planned, lc); err != nil {
		return nil, err
	}

	m.Name = lm.name
	m.SetSeed(lm.seed)
	if err := m.Build(lm.inShape...); err != nil {
		return nil, invalidf("%s: %v", metaModel, err)
	}
	if lc != nil {
		if err := m.Compile(lc.cfg); err != nil {
			return nil, invalidf("%s: %v", metaCompile, err)
		}
	}
	if err := readState(f, m, lc, verify); err != nil {
		return nil, err
	}
	return m, nil
}

// plannedWeight is a weight a loaded architecture will create.
type plannedWeight struct {
	name string
	w    layers.WeightShape
}

// checkTensors checks that the file holds every planned weight (and its
// optimizer slots, with compile settings) with its shape, and nothing
// else.
func checkTensors(f *safetensors.File, planned []plannedWeight, lc *loadedCompile) error {
	expected := map[string]bool{}
	for _, p := range planned {
		if err := checkTensor(f, p.name, p.w.Shape); err != nil {
			return err
		}
		expected[p.name] = true
		if lc != nil && !p.w.NonTrainable {
			for _, s := range lc.training.Slots {
				if err := checkTensor(f, slotPrefix+s+"/"+p.name, p.w.Shape); err != nil {
					return err
				}
				expected[slotPrefix+s+"/"+p.name] = true
			}
		}
	}
	for _, e := range f.Entries {
		if !expected[e.Name] {
			return invalidf("unexpected tensor %q: the architecture has no such weight", e.Name)
		}
	}
	return nil
}

// readState verifies the checksum (unless verify is false) and reads the
// weights of a loaded model and, with compile settings, its optimizer's
// slots, iterations and learning rate and its layers' random states.
func readState(f *safetensors.File, m Model, lc *loadedCompile, verify bool) error {
	if verify {
		if err := f.VerifyChecksum(); err != nil {
			return err
		}
	}
	st, err := m.TrainingState()
	if err != nil {
		return invalidf("%s: %v", metaTraining, err)
	}
	// The model is new: its own tensors take the file's values.
	for _, w := range st.Weights {
		if err := readFinite(f, w.Name, w.Value.Data()); err != nil {
			return err
		}
	}
	if lc == nil {
		st.Optimizer, st.RandomStates = nil, nil
		return m.SetTrainingState(st)
	}
	t := &lc.training
	trainable := trainableWeights(st.Weights)
	opt := &optimizers.State{Iterations: t.Iterations}
	for _, name := range t.Slots {
		vals := make([][]float32, len(trainable))
		for j, w := range trainable {
			vals[j] = make([]float32, w.Value.Size())
			if err := readFinite(f, slotPrefix+name+"/"+w.Name, vals[j]); err != nil {
				return err
			}
		}
		opt.Slots = append(opt.Slots, optimizers.Slot{Name: name, Values: vals})
	}
	st.Optimizer, st.LearningRate, st.RandomStates = opt, float64(t.LearningRate), t.RandomStates
	if st.RandomStates == nil {
		st.RandomStates = map[string][]byte{}
	}
	if err := m.SetTrainingState(st); err != nil {
		return invalidf("%s: %v", metaTraining, err)
	}
	return nil
}

// LoadWeights reads weights saved by SaveWeights (or the weights in a
// file written by Save, or a backup) into the model, which must be built
// (a Sequential is built here if its first layer declares its input
// shape) and have the same layers: every weight must be in the file with
// its shape, and the file must hold no other weight, or the error wraps
// ErrMismatch. The file is checked whole before any weight changes, so on
// error the model keeps its weights.
func LoadWeights(m Model, path string) error {
	if err := ensureBuilt(m); err != nil {
		return fmt.Errorf("saving: load weights %s: %w", path, err)
	}
	fh, size, err := openFile(path)
	if err != nil {
		return fmt.Errorf("saving: load weights %s: %w", path, err)
	}
	defer fh.Close()
	if err := readWeights(fh, size, m); err != nil {
		return fmt.Errorf("saving: load weights %s: %w", path, err)
	}
	return nil
}

func readWeights(r io.ReaderAt, size int64, m Model) error {
	f, err := openNeuron(r, size, formatWeights, formatModel, formatBackup)
	if err != nil {
		return err
	}
	type target struct {
		name string
		data []float32
	}
	var targets []target
	expected := map[string]bool{}
	for _, w := range m.NamedWeights() {
		e, ok := f.Lookup(w.Name)
		if !ok {
			return fmt.Errorf("%w: weight %q is not in the file", ErrMismatch, w.Name)
		}
		if !slices.Equal(e.Shape, w.Value.Shape()) {
			return fmt.Errorf("%w: weight %q has shape %v in the file and %v in the model", ErrMismatch, w.Name, e.Shape, w.Value.Shape())
		}
		expected[w.Name] = true
		targets = append(targets, target{w.Name, w.Value.Data()})
	}
	for _, e := range f.Entries {
		if !expected[e.Name] && !strings.HasPrefix(e.Name, slotPrefix) {
			return fmt.Errorf("%w: the file holds weight %q, which the model does not have", ErrMismatch, e.Name)
		}
	}
	if err := f.VerifyChecksum(); err != nil {
		return err
	}
	bufs := make([][]float32, len(targets))
	for i, t := range targets {
		bufs[i] = make([]float32, len(t.data))
		if err := readFinite(f, t.name, bufs[i]); err != nil {
			return err
		}
	}
	for i, t := range targets {
		copy(t.data, bufs[i])
	}
	return nil
}

// VerifyFile checks that the file at path is a neuron file (a model, a
// weights file or a backup) whose contents match its checksum and whose
// tensors are all finite. It does not decode the configs; Load and
// LoadWeights do.
func VerifyFile(path string) error {
	fh, size, err := openFile(path)
	if err != nil {
		return fmt.Errorf("saving: verify %s: %w", path, err)
	}
	defer fh.Close()
	f, err := openNeuron(fh, size, formatModel, formatWeights, formatBackup)
	if err == nil {
		err = f.VerifyChecksum()
	}
	for i := 0; err == nil && i < len(f.Entries); i++ {
		e := f.Entries[i]
		err = readFinite(f, e.Name, make([]float32, e.Len()))
	}
	if err != nil {
		return fmt.Errorf("saving: verify %s: %w", path, err)
	}
	return nil
}

// readFinite reads a tensor of a model file and refuses values that are
// NaN or infinite: a file's weights and optimizer slots are those of a
// model that trained, which Fit stops before they diverge, so such a value
// is damage (or a file made to look valid, its checksum recomputed) that
// would otherwise show only as strange predictions.
func readFinite(f *safetensors.File, name string, dst []float32) error {
	if err := f.Read(name, dst); err != nil {
		return err
	}
	if i, v, bad := firstNonFinite(dst); bad {
		return invalidf("tensor %q: value %d is %v; weights must be finite", name, i, v)
	}
	return nil
}

// nameLayers gives a Sequential's layers the names a file's config lists
// (the input layer's first, when the model has one), as a Keras layer's
// name argument does, and checks that the model then names them so.
func nameLayers(m *models.Sequential, names []string) error {
	_, auto := sequentialLayers(m)
	if len(auto) != len(names) {
		return invalidf("%s: config.layers has %d layers; the model has %d", metaModel, len(names), len(auto))
	}
	for i, name := range names {
		if j := slices.Index(names[:i], name); j >= 0 {
			return invalidf("%s: config.layers[%d] and config.layers[%d] are both named %q; names must be unique in a model", metaModel, j, i, name)
		}
	}
	off := len(auto) - len(m.Layers()) // 1 when a layers.Input leads
	for i := off; i < len(names); i++ {
		if names[i] != auto[i] {
			if err := m.SetLayerName(i-off, names[i]); err != nil {
				return invalidf("%s: config.layers[%d]: %v", metaModel, i, err)
			}
		}
	}
	_, got := sequentialLayers(m)
	for i, name := range got {
		if names[i] != name {
			return invalidf("%s: config.layers[%d] is named %q; the model names it %q", metaModel, i, names[i], name)
		}
	}
	return nil
}
