package onnx_test

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/tensor"
)

// exportCase is a model to export, with the range of its inputs.
type exportCase struct {
	name  string
	model func(t *testing.T) any
	// ints, if > 0, makes the inputs integers in [0, ints) (token indices).
	ints int
	// noImport, if set, says why TestRoundTrip skips the model.
	noImport string
	// padded, if set, makes the inputs token sequences in [1, ints)
	// padded with zeros as padPattern does.
	padded bool
}

// padPattern gives example b of a batch of (steps) token sequences its
// zeros: at the front (Keras's pad_sequences default), at the end, in
// the middle, everywhere (no valid step), then none.
func padPattern(rng *rand.Rand, ints, b, steps int, data []float32) {
	valid := 1 + rng.IntN(steps-1)
	for i := range data {
		var keep bool
		switch b % 5 {
		case 0:
			keep = i >= steps-valid
		case 1:
			keep = i < valid
		case 2:
			keep = i%3 != 1
		case 3:
			keep = false
		default:
			keep = true
		}
		if keep {
			data[i] = float32(1 + rng.IntN(ints-1))
		} else {
			data[i] = 0
		}
	}
}

func seq(t *testing.T, ls ...layers.Layer) any {
	t.Helper()
	m, err := buildSeq(ls...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func buildSeq(ls ...layers.Layer) (*models.Sequential, error) {
	m := models.NewSequential(ls...)
	return m, m.Build()
}

func fn(t *testing.T, ins []*models.Node, outs ...*models.Node) *models.Model {
	t.Helper()
	m, err := models.NewModel(ins, outs)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func in(shape ...int) *layers.Input { return &layers.Input{Shape: shape} }

var exportCases = []exportCase{
	{name: "mlp_gemm", model: func(t *testing.T) any {
		return seq(t, in(8), &layers.Dense{Units: 16, Activation: activations.ReLU}, &layers.Dropout{Rate: 0.5},
			&layers.Dense{Units: 4, Activation: activations.Softmax})
	}},
	{name: "dense_on_sequences", model: func(t *testing.T) any {
		return seq(t, in(5, 6), &layers.Dense{Units: 7, Activation: activations.Tanh}, &layers.LayerNormalization{},
			&layers.Dense{Units: 3, NoBias: true}, &layers.Flatten{}, &layers.Dense{Units: 2, Activation: activations.Sigmoid})
	}},
	{name: "cnn_bn_pool", model: func(t *testing.T) any {
		return seq(t, in(12, 11, 3),
			&layers.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same", Activation: activations.ReLU},
			&layers.BatchNormalization{},
			&layers.MaxPooling2D{},
			&layers.Conv2D{Filters: 5, KernelSize: [2]int{3, 2}, Strides: [2]int{2, 1}},
			&layers.AveragePooling2D{PoolSize: [2]int{2, 2}, Padding: "same"},
			&layers.Flatten{},
			&layers.Dense{Units: 3, Activation: activations.Softmax})
	}},
	{name: "conv_variants", model: func(t *testing.T) any {
		return seq(t, in(9, 10, 4),
			&layers.DepthwiseConv2D{KernelSize: [2]int{3, 3}, DepthMultiplier: 2, Padding: "same", Activation: activations.ELU},
			&layers.SeparableConv2D{Filters: 6, KernelSize: [2]int{3, 3}, DepthMultiplier: 1},
			&layers.Conv2D{Filters: 4, KernelSize: [2]int{2, 2}, Groups: 2, DilationRate: [2]int{2, 2}, Padding: "same"},
			&layers.Conv2DTranspose{Filters: 3, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"},
			&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{2, 3}, Strides: [2]int{1, 2}},
			&layers.MaxPooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"},
			&layers.GlobalAveragePooling2D{})
	}},
	{name: "global_max_reshape_permute", model: func(t *testing.T) any {
		return seq(t, in(6, 6, 2),
			&layers.Conv2D{Filters: 6, KernelSize: [2]int{3, 3}, Activation: activations.Softmax},
			&layers.GlobalMaxPooling2D{KeepDims: true},
			&layers.Reshape{TargetShape: []int{2, 3}},
			&layers.Permute{Dims: []int{2, 1}},
			&layers.Softmax{Axis: 1})
	}},
	{name: "activations", model: func(t *testing.T) any {
		ls := []layers.Layer{in(10)}
		for _, a := range []string{"relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign", "leaky_relu",
			"relu6", "hard_sigmoid", "hard_silu", "silu", "mish", "log_softmax", "exponential", "linear"} {
			act, err := activations.Get(a)
			if err != nil {
				t.Fatal(err)
			}
			ls = append(ls, &layers.Dense{Units: 10, Activation: act})
		}
		ls = append(ls, &layers.ReLU{}, &layers.Dense{Units: 10}, &layers.ReLU{MaxValue: 0.5},
			&layers.Dense{Units: 10}, &layers.ReLU{NegativeSlope: 0.1}, &layers.Dense{Units: 10},
			&layers.LeakyReLU{}, &layers.ELU{Alpha: 0.7}, &layers.PReLU{}, &layers.Activation{Activation: activations.Tanh},
			&layers.GaussianNoise{Stddev: 0.3}, &layers.Softmax{})
		return seq(t, ls...)
	}},
	{name: "relu_threshold", noImport: "the Where of a ReLU threshold has no neuron layer", model: func(t *testing.T) any {
		return seq(t, in(6), &layers.Dense{Units: 8}, &layers.ReLU{NegativeSlope: 0.2, Threshold: 0.1, MaxValue: 0.8})
	}},
	{name: "gelu", model: func(t *testing.T) any {
		return seq(t, in(4, 3), &layers.Dense{Units: 5, Activation: activations.GELU})
	}},
	{name: "recurrent", model: func(t *testing.T) any {
		return seq(t, in(6, 4),
			&layers.LSTM{Units: 5, ReturnSequences: true},
			&layers.SimpleRNN{Units: 3, ReturnSequences: true},
			&layers.LSTM{Units: 3, GoBackwards: true, Activation: activations.ReLU, RecurrentActivation: activations.HardSigmoid},
			&layers.Dense{Units: 2})
	}},
	{name: "gru_backwards_sequences", noImport: "Y of a reverse direction, reversed by a Slice, is not imported", model: func(t *testing.T) any {
		return seq(t, in(6, 4), &layers.GRU{Units: 4, ReturnSequences: true, GoBackwards: true})
	}},
	{name: "gru_last", model: func(t *testing.T) any {
		return seq(t, in(7, 3), &layers.GRU{Units: 4}, &layers.Dense{Units: 2})
	}},
	{name: "bidirectional", model: func(t *testing.T) any {
		return seq(t, in(5, 3),
			&layers.Bidirectional{Layer: &layers.LSTM{Units: 4, ReturnSequences: true}},
			&layers.Bidirectional{Layer: &layers.GRU{Units: 3, ReturnSequences: true}},
			&layers.Bidirectional{Layer: &layers.SimpleRNN{Units: 2}},
		)
	}},
	{name: "bidirectional_merge_modes", model: func(t *testing.T) any {
		return seq(t, in(5, 3),
			&layers.Bidirectional{Layer: &layers.GRU{Units: 3, ReturnSequences: true}, MergeMode: "sum"},
			&layers.Bidirectional{Layer: &layers.SimpleRNN{Units: 3, ReturnSequences: true}, MergeMode: "mul"},
			&layers.Bidirectional{Layer: &layers.LSTM{Units: 2}, MergeMode: "ave"},
		)
	}},
	{name: "embedding_lstm", ints: 20, model: func(t *testing.T) any {
		return seq(t, in(7), &layers.Embedding{InputDim: 20, OutputDim: 4}, &layers.LSTM{Units: 3}, &layers.Dense{Units: 2, Activation: activations.Softmax})
	}},
	{name: "conv1d", model: func(t *testing.T) any {
		return seq(t, in(10, 3),
			&layers.Conv1D{Filters: 4, KernelSize: 3, Padding: "causal", DilationRate: 2, Activation: activations.ReLU},
			&layers.MaxPooling1D{PoolSize: 2},
			&layers.Conv1D{Filters: 5, KernelSize: 2, Padding: "same", Strides: 2},
			&layers.AveragePooling1D{PoolSize: 2, Padding: "same"},
			&layers.GlobalAveragePooling1D{})
	}},
	{name: "functional_merge", model: func(t *testing.T) any {
		a := models.Input([]int{6}, "left")
		b := models.Input([]int{6}, "right")
		ha := models.Apply(&layers.Dense{Units: 5, Activation: activations.Tanh}, a)
		hb := models.Apply(&layers.Dense{Units: 5}, b)
		merged := []*models.Node{
			models.Apply(&layers.Add{}, ha, hb, ha),
			models.Apply(&layers.Subtract{}, ha, hb),
			models.Apply(&layers.Multiply{}, ha, hb),
			models.Apply(&layers.Average{}, ha, hb),
			models.Apply(&layers.Maximum{}, ha, hb),
			models.Apply(&layers.Minimum{}, ha, hb),
		}
		cat := models.Apply(&layers.Concatenate{}, merged...)
		out1 := models.ApplyNamed("scores", &layers.Dense{Units: 3, Activation: activations.Softmax}, cat)
		out2 := models.ApplyNamed("value", &layers.Dense{Units: 1}, cat)
		return fn(t, []*models.Node{a, b}, out1, out2)
	}},
	{name: "residual_channels_first", model: func(t *testing.T) any {
		x := models.Input([]int{8, 8, 3}, "image")
		c1 := models.Apply(&layers.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same", Activation: activations.ReLU}, x)
		c2 := models.Apply(&layers.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same"}, c1)
		bn := models.Apply(&layers.BatchNormalization{}, c2)
		sum := models.Apply(&layers.Add{}, c1, bn)
		act := models.Apply(&layers.Activation{Activation: activations.ReLU}, sum)
		cat := models.Apply(&layers.Concatenate{}, act, c1)
		p := models.Apply(&layers.GlobalMaxPooling2D{}, cat)
		return fn(t, []*models.Node{x}, p)
	}},
	{name: "nested_model", model: func(t *testing.T) any {
		ix := models.Input([]int{4}, "inner_in")
		inner := fn(t, []*models.Node{ix}, models.Apply(&layers.Dense{Units: 3, Activation: activations.ReLU}, ix))
		inner.Name = "encoder"
		x := models.Input([]int{4}, "")
		h := models.Apply(inner.AsLayer(), x)
		h2 := models.Apply(inner.AsLayer(), models.Apply(&layers.Dense{Units: 4}, h)) // the encoder applied twice
		return fn(t, []*models.Node{x}, models.Apply(&layers.Dense{Units: 2}, h2))
	}},
	{name: "pass_through", model: func(t *testing.T) any {
		return seq(t, in(3), &layers.Dropout{Rate: 0.1})
	}},
}

// randomize gives every weight of the model's layers values away from
// Keras's initial ones (biases and moving statistics included), so that a
// weight exported in the wrong place shows.
func randomize(model any, rng *rand.Rand) {
	var ws []*layers.Weight
	collect := func(l any) {
		switch l := l.(type) {
		case layers.Layer:
			ws = append(ws, l.Weights()...)
		case layers.MultiLayer:
			ws = append(ws, l.Weights()...)
		}
	}
	switch m := model.(type) {
	case *models.Sequential:
		for _, l := range m.Layers() {
			collect(l)
		}
	case *models.Model:
		for _, l := range m.Layers() {
			collect(l)
		}
	}
	for _, w := range ws {
		d := w.Value.Data()
		for i := range d {
			d[i] = float32(rng.Float64() - 0.5)
			if w.Name == "moving_variance" {
				d[i] += 1
			}
		}
	}
}

func inputShapes(model any) (names []string, shapes [][]int) {
	switch m := model.(type) {
	case *models.Sequential:
		return []string{"input_layer"}, [][]int{m.InputShape()}
	case *models.Model:
		for _, n := range m.Inputs() {
			shapes = append(shapes, n.Shape())
		}
		return m.InputNames(), shapes
	}
	return nil, nil
}

func predict(t *testing.T, model any, xs []*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	switch m := model.(type) {
	case *models.Sequential:
		y, err := m.Predict(xs[0], models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		return []*tensor.Tensor{y}
	case *models.Model:
		arrs := make([]models.Array, len(xs))
		for i, x := range xs {
			arrs[i] = x
		}
		ys, err := m.Predict(arrs, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		return ys
	}
	return nil
}

func outputNames(model any) []string {
	switch m := model.(type) {
	case *models.Sequential:
		n := m.LayerNames()
		return n[len(n)-1:]
	case *models.Model:
		return m.OutputNames()
	}
	return nil
}

// TestExportRunsInONNXRuntime exports each model of the table, checks the
// file with onnx.checker and runs it in ONNX Runtime on the inputs given
// to Predict: the outputs must agree to 1e-5.
func TestExportRunsInONNXRuntime(t *testing.T) {
	ortModules(t)
	dir := t.TempDir()
	var jobs []ortJob
	var wants [][]*tensor.Tensor
	var paths []string
	for ci, tc := range exportCases {
		rng := rand.New(rand.NewPCG(uint64(ci), 7))
		model := tc.model(t)
		randomize(model, rng)
		path := filepath.Join(dir, tc.name+".onnx")
		if err := onnx.Export(model, path); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		names, shapes := inputShapes(model)
		batch := 3
		if tc.padded {
			batch = 5
		}
		xs := make([]*tensor.Tensor, len(names))
		feeds := map[string]ortTensor{}
		for i, s := range shapes {
			dims := append([]int{batch}, s...)
			n := 1
			for _, d := range dims {
				n *= d
			}
			data := make([]float32, n)
			for b := range batch {
				if tc.padded {
					padPattern(rng, tc.ints, b, s[0], data[b*n/batch:(b+1)*n/batch])
				}
			}
			for j := range data {
				if tc.padded {
					break
				}
				if tc.ints > 0 {
					data[j] = float32(rng.IntN(tc.ints))
				} else {
					data[j] = float32(rng.Float64()*2 - 1)
				}
			}
			xs[i] = tensor.FromSlice(data, dims...)
			feeds[names[i]] = ortTensor{Dims: dims, Data: data}
		}
		jobs = append(jobs, ortJob{Model: path, Inputs: feeds})
		wants = append(wants, predict(t, model, xs))
		paths = append(paths, path)
	}
	checkONNX(t, paths...)
	results := runORT(t, jobs)
	for ci, tc := range exportCases {
		t.Run(tc.name, func(t *testing.T) {
			res, want := results[ci], wants[ci]
			if res.Error != "" {
				t.Fatalf("ONNX Runtime fails: %s", res.Error)
			}
			for i, name := range outputNames(tc.model(t)) {
				g, ok := res.Outputs[name]
				if !ok {
					t.Fatalf("ONNX Runtime gives no output %q; it gives %v", name, keys(res.Outputs))
				}
				if !slices.Equal(g.Dims, want[i].Shape()) {
					t.Fatalf("output %q has shape %v in ONNX Runtime, %v in neuron", name, g.Dims, want[i].Shape())
				}
				for j, w := range want[i].Data() {
					if d := math.Abs(float64(g.Data[j] - w)); !(d <= 1e-5*max(1, math.Abs(float64(w)))) {
						t.Fatalf("output %q[%d]: ONNX Runtime %v, neuron %v", name, j, g.Data[j], w)
					}
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
