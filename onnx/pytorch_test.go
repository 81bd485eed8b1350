package onnx_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/onnx/internal/pb"
	"github.com/neuron-go/neuron/tensor"
	"google.golang.org/protobuf/proto"
)

// Batch-first LSTM, GRU and bidirectional LSTM exported by PyTorch's
// exporter (testdata/pytorch/gen.py): the imports give PyTorch's outputs.
func TestImportPyTorchRecurrent(t *testing.T) {
	dir := filepath.Join("testdata", "pytorch")
	var want struct {
		X     []float32 `json:"x"`
		XDims []int     `json:"x_dims"`
		Cases map[string]struct {
			Dims []int     `json:"dims"`
			Y    []float32 `json:"y"`
		} `json:"cases"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &want)
	for name, c := range want.Cases {
		t.Run(name, func(t *testing.T) {
			model, err := onnx.Import(filepath.Join(dir, name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			ys, err := model.Predict([]models.Array{tensor.FromSlice(want.X, want.XDims...)}, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ys[0].Shape(), c.Dims) {
				t.Fatalf("shape %v, want %v", ys[0].Shape(), c.Dims)
			}
			for i, w := range c.Y {
				if g := ys[0].Data()[i]; math.Abs(float64(g-w)) > 1e-5 {
					t.Fatalf("y[%d] = %v, PyTorch %v", i, g, w)
				}
			}
		})
	}
}

// moveFirst returns the values of a tensor of shape dims with axis moved
// first, and their shape.
func moveFirst(data []float32, dims []int, axis int) ([]float32, []int) {
	if axis == 0 {
		return data, dims
	}
	outer, inner := 1, 1
	for _, d := range dims[:axis] {
		outer *= d
	}
	for _, d := range dims[axis+1:] {
		inner *= d
	}
	n := dims[axis]
	out := make([]float32, 0, len(data))
	for b := range n {
		for o := range outer {
			out = append(out, data[(o*n+b)*inner:(o*n+b+1)*inner]...)
		}
	}
	shape := append([]int{n}, dims[:axis]...)
	return out, append(shape, dims[axis+1:]...)
}

// Models exported by PyTorch's exporter (testdata/pytorch/gen_more.py):
// time-major LSTM/GRU, bidirectional layers whose directions are summed,
// multiplied or averaged, GELU written out with Erf, and pooling with
// ceil_mode. Time-major inputs and outputs are taken and given with the
// batch axis first: the test moves PyTorch's batch axis first.
func TestImportPyTorchMore(t *testing.T) {
	dir := filepath.Join("testdata", "pytorch")
	var cases map[string]struct {
		X          []float32 `json:"x"`
		XDims      []int     `json:"x_dims"`
		XBatchAxis int       `json:"x_batch_axis"`
		Y          []float32 `json:"y"`
		YDims      []int     `json:"y_dims"`
		YBatchAxis int       `json:"y_batch_axis"`
	}
	readJSON(t, filepath.Join(dir, "more.json"), &cases)
	// The layer each model must be read as.
	wantLayer := map[string]string{
		"bilstm_sum":            "Bidirectional sum",
		"bilstm_mul":            "Bidirectional mul",
		"bigru_ave":             "Bidirectional ave",
		"bilstm_time_major_sum": "Bidirectional sum",
		"bigru_state_sum":       "Bidirectional sum",
		"gelu":                  "Activation gelu",
	}
	if len(cases) != 10 {
		t.Fatalf("%d cases in more.json", len(cases))
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			model, err := onnx.Import(filepath.Join(dir, name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			x, xd := moveFirst(c.X, c.XDims, c.XBatchAxis)
			ys, err := model.Predict([]models.Array{tensor.FromSlice(x, xd...)}, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			y, yd := moveFirst(c.Y, c.YDims, c.YBatchAxis)
			if !slices.Equal(ys[0].Shape(), yd) {
				t.Fatalf("shape %v, want %v", ys[0].Shape(), yd)
			}
			for i, w := range y {
				if g := ys[0].Data()[i]; math.Abs(float64(g-w)) > 1e-5 {
					t.Fatalf("y[%d] = %v, PyTorch %v", i, g, w)
				}
			}
			if want, ok := wantLayer[name]; ok {
				var got []string
				for _, l := range model.Layers() {
					switch l := l.(type) {
					case *layers.Bidirectional:
						got = append(got, "Bidirectional "+l.MergeMode)
					case *layers.Activation:
						got = append(got, "Activation "+l.Activation.Name())
					}
				}
				if !slices.Contains(got, want) {
					t.Errorf("the model has %v, not a %s", got, want)
				}
			}
		})
	}
}

// Models exported by PyTorch's exporter (testdata/pytorch/gen_reduce.py)
// that read a recurrent node as Keras's return_state (Y with Y_h, and
// Y_c) and reduce a bidirectional node's last states over the directions
// axis (ReduceSum, ReduceMean: merge modes sum and ave); every output is
// TestImportPyTorchBidirectionalStates imports PyTorch-exported
// bidirectional LSTM/GRU models that read both the output sequence Y and
// the last states Y_h (and Y_c) of the node (gen_states.py): the states
// read whole, one direction at a time, and summed over the directions
// with the output's directions summed. Each becomes a Bidirectional
// with return_state, and every output is checked against PyTorch's.
func TestImportPyTorchBidirectionalStates(t *testing.T) {
	dir := filepath.Join("testdata", "pytorch")
	var cases map[string]struct {
		X       []float32 `json:"x"`
		XDims   []int     `json:"x_dims"`
		Outputs []struct {
			Name      string    `json:"name"`
			Y         []float32 `json:"y"`
			Dims      []int     `json:"dims"`
			BatchAxis int       `json:"batch_axis"`
		} `json:"outputs"`
	}
	readJSON(t, filepath.Join(dir, "states.json"), &cases)
	wantMerge := map[string]string{"bilstm_states": "concat", "bigru_states": "concat", "bigru_state_directions": "concat", "bilstm_states_sum": "sum"}
	if len(cases) != len(wantMerge) {
		t.Fatalf("%d cases in states.json", len(cases))
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			model, err := onnx.Import(filepath.Join(dir, name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			ys, err := model.Predict([]models.Array{tensor.FromSlice(c.X, c.XDims...)}, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			names := model.OutputNames()
			if len(names) != len(c.Outputs) {
				t.Fatalf("outputs %v, want %d", names, len(c.Outputs))
			}
			for k, o := range c.Outputs {
				y, yd := moveFirst(o.Y, o.Dims, o.BatchAxis)
				if !slices.Equal(ys[k].Shape(), yd) {
					t.Fatalf("%s: shape %v, want %v", o.Name, ys[k].Shape(), yd)
				}
				for i, w := range y {
					if g := ys[k].Data()[i]; math.Abs(float64(g-w)) > 1e-5 {
						t.Fatalf("%s[%d] = %v, PyTorch %v", o.Name, i, g, w)
					}
				}
			}
			var bis []string
			for _, l := range model.Layers() {
				if bi, ok := l.(*layers.Bidirectional); ok {
					bis = append(bis, bi.MergeMode)
					if u, ok := bi.Layer.(layers.DualLayer); !ok || !u.UsesMulti(1) {
						t.Errorf("the Bidirectional's layer %T has no return_state", bi.Layer)
					}
				}
			}
			if !slices.Equal(bis, []string{wantMerge[name]}) {
				t.Errorf("Bidirectional layers with merge modes %v, want one %s", bis, wantMerge[name])
			}
		})
	}
}

// checked against PyTorch's, with its batch axis moved first.
func TestImportPyTorchStatesAndReductions(t *testing.T) {
	dir := filepath.Join("testdata", "pytorch")
	var cases map[string]struct {
		X       []float32 `json:"x"`
		XDims   []int     `json:"x_dims"`
		Outputs []struct {
			Name      string    `json:"name"`
			Y         []float32 `json:"y"`
			Dims      []int     `json:"dims"`
			BatchAxis int       `json:"batch_axis"`
		} `json:"outputs"`
	}
	readJSON(t, filepath.Join(dir, "reduce.json"), &cases)
	wantLayer := map[string]string{
		"lstm_states":             "LSTM return_state",
		"gru_states":              "GRU return_state",
		"bilstm_state_reduce_sum": "Bidirectional sum",
		"bigru_state_reduce_mean": "Bidirectional ave",
	}
	if len(cases) != len(wantLayer) {
		t.Fatalf("%d cases in reduce.json", len(cases))
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			model, err := onnx.Import(filepath.Join(dir, name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			ys, err := model.Predict([]models.Array{tensor.FromSlice(c.X, c.XDims...)}, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			names := model.OutputNames()
			if len(names) != len(c.Outputs) {
				t.Fatalf("outputs %v, want %d", names, len(c.Outputs))
			}
			for k, o := range c.Outputs {
				if names[k] != o.Name {
					t.Fatalf("output %d is %q, want %q", k, names[k], o.Name)
				}
				y, yd := moveFirst(o.Y, o.Dims, o.BatchAxis)
				if !slices.Equal(ys[k].Shape(), yd) {
					t.Fatalf("%s: shape %v, want %v", o.Name, ys[k].Shape(), yd)
				}
				for i, w := range y {
					if g := ys[k].Data()[i]; math.Abs(float64(g-w)) > 1e-5 {
						t.Fatalf("%s[%d] = %v, PyTorch %v", o.Name, i, g, w)
					}
				}
			}
			var got []string
			for _, l := range model.Layers() {
				switch l := l.(type) {
				case *layers.Bidirectional:
					got = append(got, "Bidirectional "+l.MergeMode)
				case *layers.LSTM:
					if l.ReturnState {
						got = append(got, "LSTM return_state")
					}
				case *layers.GRU:
					if l.ReturnState {
						got = append(got, "GRU return_state")
					}
				}
			}
			if !slices.Contains(got, wantLayer[name]) {
				t.Errorf("the model has %v, not a %s", got, wantLayer[name])
			}
		})
	}
}

// A reduction over another axis than the directions is refused naming
// the node, the setting and its value, whether or not Y is read too.
func TestImportRecurrentReadsRefused(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "pytorch", "bilstm_state_reduce_sum.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	var m pb.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	g := m.GetGraph()
	var axes string
	var rnn *pb.NodeProto
	for _, n := range g.GetNode() {
		switch n.GetOpType() {
		case "ReduceSum":
			axes = n.GetInput()[1]
		case "LSTM":
			rnn = n
		}
	}
	found := false
	for _, init := range g.GetInitializer() {
		if init.GetName() == axes {
			init.RawData, init.Int64Data, found = nil, []int64{1}, true
		}
	}
	for _, n := range g.GetNode() {
		if n.GetOpType() == "Constant" && n.GetOutput()[0] == axes {
			v := n.GetAttribute()[0].GetT()
			v.RawData, v.Int64Data, found = nil, []int64{1}, true
		}
	}
	if !found {
		t.Fatalf("no constant %q", axes)
	}
	enc := func() []byte {
		out, err := proto.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	_, err = onnx.Decode(enc())
	if want := `(ReduceSum): axes [1] of the last state Y_h of a recurrent node (the directions axis, 0, is reduced)`; err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, onnx.ErrUnsupportedOp) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
	// Y made a graph output too: both Y and Y_h are read, as a
	// Bidirectional with return_state, whose states' reduction over
	// another axis is refused as well.
	g.Output = append(g.Output, &pb.ValueInfoProto{Name: proto.String(rnn.GetOutput()[0]), Type: g.GetOutput()[0].GetType()})
	_, err = onnx.Decode(enc())
	if want := `(ReduceSum): axes [1] of the last state Y_h of a recurrent node`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}
