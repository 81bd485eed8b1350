// Package models provides the two ways Keras builds a model, with Keras's
// life cycle: build it from layers, print its Summary, Compile it with an
// optimizer, losses and metrics, Fit it to data, then Evaluate and Predict.
//
// A Sequential is a stack of layers, one input and one output:
//
//	model := models.NewSequential(
//		&layers.Flatten{InputShape: []int{28, 28}},
//		&layers.Dense{Units: 128, Activation: activations.ReLU},
//		&layers.Dense{Units: 10, Activation: activations.Softmax},
//	)
//	history, err := model.Fit(x, y, models.FitConfig{Epochs: 5})
//
// A Model is Keras's functional model, a graph of layers: Input declares
// an input, Apply applies a layer (or a merge layer) to symbolic tensors
// and returns a new one, and NewModel makes the model from inputs and
// outputs. Fit, Evaluate and Predict then take one array per input and per
// output:
//
//	img := models.Input([]int{28, 28}, "img")
//	h := models.Apply(&layers.Dense{Units: 128, Activation: activations.ReLU}, models.Apply(&layers.Flatten{}, img))
//	class := models.Apply(&layers.Dense{Units: 10, Activation: activations.Softmax}, h)
//	model, err := models.NewModel([]*models.Node{img}, []*models.Node{class})
//	history, err := model.Fit([]models.Array{x}, []models.Array{y}, models.FitConfig{Epochs: 5})
//
// Both run on one engine: the same training loop, evaluation and
// prediction, the same callbacks and the same arena-backed steps that
// allocate nothing; a Sequential is the case of a chain.
//
// # Custom models and training loops
//
// A custom model, Keras's subclassing of keras.Model, is a Go type that
// implements layers.Layer: Build makes its weights (and builds the layers
// it is made of), Call is its forward pass written with tensor operations
// and other layers, and Weights returns its weights. FromLayer makes a
// Model of it, which trains with the same Compile, Fit, Evaluate and
// Predict (see ExampleFromLayer and the notes in custom.go). A custom
// training loop, Keras's loop with tf.GradientTape, is Model.Call for the
// forward pass, the loss, tensor.Backward for the gradients, the
// optimizer's Apply and the metrics' Update, written out by hand (see
// Example_customTrainingLoop); it computes what Fit's training step
// computes.
//
// One seed (SetSeed; 0 by default) fixes the initial weights, the order of
// the shuffled batches and the dropout masks, so two runs with the same seed
// give the same weights bit for bit, whatever the number of CPU cores.
//
// # Data
//
// Fit, Evaluate and Predict take Arrays: a *tensor.Tensor, or the uint8
// arrays the loaders of package datasets return, which they convert one
// batch at a time, as Keras's fit does with NumPy's uint8 arrays. For
// MNIST that keeps the 47 MB of bytes in memory instead of adding a
// 188 MB float32 copy, with the same results bit for bit.
//
// They also take texts, a data.Strings (any StringArray), for an input
// that feeds a layers.TextVectorization: the model vectorizes each batch
// with that layer and runs the rest of its layers on the indices, as
// Keras's end-to-end text models do, so a saved model predicts from raw
// text.
//
// # Saving
//
// Package saving writes models to files and reads them back (saving.Save,
// saving.Load, the ModelCheckpoint and BackupAndRestore callbacks). This
// package owns what they write: a model's TrainingState (the weights, the
// optimizer's slots, the random states and, during Fit, the position of
// the run and the callbacks' states), which TrainingState and RunState
// capture and SetTrainingState puts back, and the description of the
// model (Layers, LayerNames, Graph, CompileSettings).
//
// # Errors
//
// NewModel, Compile, Fit, Evaluate and Predict check their arguments and
// the data (shapes, labels, NaN values) and return errors that name the
// argument and the value received; they do not panic on bad data.
package models

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"github.com/neuron-go/neuron/internal/summary"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// Errors returned (wrapped) by the model's methods.
var (
	// ErrNotBuilt means the model's input shape is unknown: give the first
	// layer an InputShape, start with layers.Input, or call Build.
	ErrNotBuilt = errors.New("model is not built")
	// ErrNotCompiled means Fit or Evaluate was called before Compile.
	ErrNotCompiled = errors.New("model is not compiled; call Compile first")
)

// Sequential is a linear stack of layers. It is not safe for concurrent use:
// Fit, Evaluate and Predict share the model's scratch memory.
type Sequential struct {
	// Name is shown by Summary; the default is "sequential".
	Name string
	// Out receives the summary and progress output; the default is
	// os.Stdout.
	Out io.Writer

	layers    []layers.Layer
	names     []string
	given     map[int]string // names set with SetLayerName, by index in layers
	inShape   []int
	outShapes [][]int
	built     bool

	// engine trains, evaluates and predicts; the Sequential gives it a
	// chain network when it is built.
	engine
	in1, out1 [1]*tensor.Tensor // one-array arguments, so a step allocates nothing
}

// NewSequential returns a model made of the given layers, in order. If the
// first layer declares an input shape (layers.Input, or InputShape on
// Flatten, Dense or Conv2D), the model is built when first used.
func NewSequential(ls ...layers.Layer) *Sequential {
	m := &Sequential{}
	for _, l := range ls {
		m.Add(l)
	}
	return m
}

// Add appends a layer. Adding to a built model makes it unbuilt again.
func (m *Sequential) Add(l layers.Layer) {
	m.layers = append(m.layers, l)
	m.built = false
}

// Layers returns the model's layers, not counting a leading layers.Input.
func (m *Sequential) Layers() []layers.Layer {
	if len(m.layers) > 0 {
		if _, ok := m.layers[0].(*layers.Input); ok {
			return m.layers[1:]
		}
	}
	return m.layers
}

// SetSeed sets the seed of every random choice: initial weights (at the next
// Build), batch shuffling and dropout.
func (m *Sequential) SetSeed(seed uint64) {
	m.seed = seed
	m.built = false
	m.thaw()
}

// declaredInputShape returns the input shape declared by the first layer.
func (m *Sequential) declaredInputShape() []int {
	if len(m.layers) == 0 {
		return nil
	}
	if s, ok := m.layers[0].(layers.InputShaper); ok {
		return s.ModelInputShape()
	}
	return nil
}

// Build creates the weights for examples of the given per-example shape (no
// batch axis). With no argument it uses the shape the first layer declares.
func (m *Sequential) Build(inputShape ...int) error { return m.build("build", inputShape) }

// build is Build for the operation op, which its errors name: "build", or
// "fit" for a model that Fit builds from its data.
func (m *Sequential) build(op string, inputShape []int) error {
	if err := m.checkLayers(op); err != nil {
		return err
	}
	if len(inputShape) == 0 {
		inputShape = m.declaredInputShape()
		if inputShape == nil {
			return fmt.Errorf("models: %s: %w: the first layer declares no input shape", op, ErrNotBuilt)
		}
	}
	if len(m.layers) == 0 {
		return fmt.Errorf("models: %s: the model has no layers", op)
	}
	for _, d := range inputShape {
		if d <= 0 {
			return fmt.Errorf("models: %s: input shape %v has a non-positive dimension", op, inputShape)
		}
	}
	m.assignNames()
	init := m.rng(streamInit, 0)
	shape := append([]int(nil), inputShape...)
	m.outShapes = make([][]int, len(m.layers))
	for i, l := range m.layers {
		out, err := l.Build(shape, init)
		if err != nil {
			return fmt.Errorf("models: %s: layer %d (%s): %w", op, i, m.names[i], err)
		}
		shape = out
		m.outShapes[i] = out
		if err := checkWeightNames(m.names[i], l); err != nil {
			return fmt.Errorf("models: %s: %w", op, err)
		}
	}
	m.inShape = append([]int(nil), inputShape...)
	m.weights, m.weightNames = nil, nil
	for i, l := range m.layers {
		for _, w := range l.Weights() {
			if w.Trainable {
				m.weights = append(m.weights, w.Value)
				m.weightNames = append(m.weightNames, m.names[i]+"/"+w.Name)
			}
		}
		if s, ok := l.(layers.Seeder); ok {
			s.SeedFrom(m.rng(streamLayers, uint64(i)))
		}
	}
	m.net = chainNetwork(m.layers, m.names, m.inShape, m.outShapes)
	m.built = true
	if m.compiled {
		m.optimizer.Build(m.weights)
	}
	return nil
}

// bind points the engine at this model before a Fit, Evaluate or
// Predict.
func (m *Sequential) bind() {
	m.owner, m.writer = m, m.Out
	m.inNames, m.outNames = oneX, oneY
	if m.lazyBuild == nil {
		m.lazyBuild = m.buildFrom
	}
}

var oneX, oneY = []string{"x"}, []string{"y"}

// eng returns the model's engine, bound to the model.
func (m *Sequential) eng() *engine {
	m.bind()
	return &m.engine
}

// buildFrom builds a model that has no input shape yet from the data's
// per-example shape.
func (m *Sequential) buildFrom(op string, perExample []int) error {
	if m.built {
		return nil
	}
	if err := m.ensureBuilt(); err != nil {
		if err2 := m.build(op, perExample); err2 != nil {
			return err2
		}
		if m.compiled {
			m.optimizer.Build(m.weights)
		}
	}
	return nil
}

// trainStep runs one training step on a batch.
func (m *Sequential) trainStep(x, y *tensor.Tensor) float64 {
	m.in1[0], m.out1[0] = x, y
	return m.engine.trainStep(m.in1[:], m.out1[:], nil)
}

// checkLayers returns an error naming the position of the first nil layer:
// a nil Layer, or a nil pointer such as (*layers.Dense)(nil), whose methods
// would dereference it.
func (m *Sequential) checkLayers(op string) error {
	for i, l := range m.layers {
		if l == nil {
			return fmt.Errorf("models: %s: layer %d is nil", op, i)
		}
		if v := reflect.ValueOf(l); v.Kind() == reflect.Pointer && v.IsNil() {
			return fmt.Errorf("models: %s: layer %d is a nil %T", op, i, l)
		}
	}
	return nil
}

// ensureBuilt builds the model on first use.
func (m *Sequential) ensureBuilt() error {
	if m.built {
		return nil
	}
	return m.Build()
}

// snake converts a Keras class name to its layer-name prefix.
func snake(class string) string { return layers.DefaultName(class) }

// assignNames names the layers as Keras does within one model: those
// given a name by SetLayerName keep it; of the others the first Dense is
// "dense", the next "dense_1", and so on, skipping names given.
// Wrapped layers (Bidirectional's) are named too, counted with the
// others of their class.
func (m *Sequential) assignNames() { m.names = layerNamesOf(m.layers, m.given, true) }

// layerNamesOf returns the names of a stack of layers, given holding
// those set by the user; with wrapped, it names the layers' wrapped
// layers too (layers.WrappedNamer).
func layerNamesOf(ls []layers.Layer, given map[int]string, wrapped bool) []string {
	taken := map[string]bool{}
	for _, n := range given {
		taken[n] = true
	}
	seen := map[string]int{}
	names := make([]string, len(ls))
	for i, l := range ls {
		// Keras makes the wrapped layer before its wrapper.
		nameWrapped(l, seen, func(n string) bool { return taken[n] }, wrapped)
		if n, ok := given[i]; ok {
			names[i] = n
			continue
		}
		names[i] = nextName(l.ClassName(), seen, func(n string) bool { return taken[n] })
	}
	return names
}

// nameWrapped gives a wrapper's unnamed wrapped layers their automatic
// names, counting them in count (and only counting, unless set).
func nameWrapped(l any, count map[string]int, taken func(string) bool, set bool) {
	w, ok := l.(layers.WrappedNamer)
	if !ok {
		return
	}
	classes := w.UnnamedWrapped()
	if len(classes) == 0 {
		return
	}
	names := make([]string, len(classes))
	for i, c := range classes {
		names[i] = nextName(c, count, taken)
	}
	if set {
		w.NameWrapped(names)
	}
}

// nextName returns Keras's next automatic name within one model for a
// layer of the given class ("dense", then "dense_1", …), skipping names
// taken; count holds the counters by base name.
func nextName(class string, count map[string]int, taken func(string) bool) string {
	base := snake(class)
	for {
		k := count[base]
		count[base] = k + 1
		name := base
		if k > 0 {
			name = fmt.Sprintf("%s_%d", base, k)
		}
		if !taken(name) {
			return name
		}
	}
}

// SetLayerName names layer i of Layers, as the name argument of a Keras
// layer does (Dense(10, name="output")): Summary, LayerNames, the weight
// names and saved files use it, and the other layers keep their automatic
// names, skipping it. Name the layers before the model is built. It
// returns an error for i out of range, an empty name or one with a '/',
// a name another layer has, or a built model.
func (m *Sequential) SetLayerName(i int, name string) error {
	ls := m.Layers()
	switch {
	case i < 0 || i >= len(ls):
		return fmt.Errorf("models: SetLayerName: i = %d is out of range for %d layers", i, len(ls))
	case name == "" || strings.ContainsAny(name, "/"):
		return fmt.Errorf("models: SetLayerName: name %q must be non-empty and hold no '/'", name)
	case m.built:
		return fmt.Errorf("models: SetLayerName: the model is built; name layer %d (%q) before Build", i, name)
	}
	off := len(m.layers) - len(ls) // 1 when a layers.Input leads
	for j, n := range m.given {
		if j != i+off && n == name {
			return fmt.Errorf("models: SetLayerName: layer %d is already named %q", j-off, name)
		}
	}
	if m.given == nil {
		m.given = map[int]string{}
	}
	m.given[i+off] = name
	return nil
}

// InputShape returns the per-example input shape, or nil before Build.
func (m *Sequential) InputShape() []int { return m.inShape }

// OutputShape returns the per-example output shape, or nil before Build.
func (m *Sequential) OutputShape() []int {
	if !m.built || len(m.outShapes) == 0 {
		return nil
	}
	return m.outShapes[len(m.outShapes)-1]
}

// Weights returns the trainable weights of every layer, in layer order.
func (m *Sequential) Weights() []*tensor.Tensor { return m.weights }

// WeightNames returns "layer/weight" names matching Weights.
func (m *Sequential) WeightNames() []string { return m.weightNames }

// CountParams returns the number of weight values.
func (m *Sequential) CountParams() int {
	n := 0
	for _, w := range m.weights {
		n += w.Size()
	}
	return n
}

// Call runs the model on a batch, recording the gradient graph. training
// turns on training-only behaviour such as Dropout.
func (m *Sequential) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	if m.net == nil || !m.built {
		m.net = chainNetwork(m.layers, nil, nil, nil)
	}
	if training {
		m.thaw() // a training loop of the caller's own
	} else {
		// The weights may have changed since the last call.
		m.net.resetInference()
	}
	m.in1[0] = x
	return m.net.forward(m.in1[:], training)[0]
}

// Summary prints the Keras 3 summary table to the model's output (Out,
// standard output by default). A model that cannot be built yet shows "?"
// shapes and "0 (unbuilt)" counts, as Keras does. A model with a nil layer
// has no table: Summary prints SummaryTo's error instead.
func (m *Sequential) Summary() {
	m.writer = m.Out
	w := m.out()
	if err := m.checkLayers("summary"); err != nil {
		fmt.Fprintln(w, err)
		return
	}
	_ = m.SummaryTo(w, 0)
}

// SummaryTo writes the summary to w, lineLength characters wide (Keras's
// line_length); 0 means Keras's choice: 88 on a terminal, 76 otherwise. A
// negative lineLength is an error; the table is at least 24 columns wide.
func (m *Sequential) SummaryTo(w io.Writer, lineLength int) error {
	if err := checkLineLength(lineLength); err != nil {
		return err
	}
	if err := m.checkLayers("summary"); err != nil {
		return err
	}
	_ = m.ensureBuilt()
	if m.names == nil {
		m.assignNames()
	}
	name := m.Name
	if name == "" {
		name = "sequential"
	}
	t := summary.Table{ModelName: name, Width: lineLength}
	if lineLength == 0 {
		t.Width = 76
		if f, ok := w.(*os.File); ok {
			t.Width = summary.AutoWidth(f)
		}
	}
	for i, l := range m.layers {
		if _, ok := l.(*layers.Input); ok {
			continue
		}
		row := summary.Row{Name: m.names[i], Class: l.ClassName(), Unbuilt: !m.built}
		if m.built {
			row.OutputShape = m.outShapes[i]
			for _, wt := range l.Weights() {
				row.Params += wt.Value.Size()
				if wt.Trainable {
					t.Trainable += wt.Value.Size()
				} else {
					t.NonTrainable += wt.Value.Size()
				}
			}
		}
		t.Rows = append(t.Rows, row)
	}
	t.OptimizerParams = m.engine.optimizerParams()
	return summary.Write(w, t)
}
