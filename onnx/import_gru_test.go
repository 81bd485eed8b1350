package onnx_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/onnx/internal/pb"
	"github.com/neuron-go/neuron/tensor"
	"google.golang.org/protobuf/proto"
)

// grus lists the GRU layers of a model, those inside a Bidirectional
// included (its forward layer's recipe).
func grus(m *models.Model) []*layers.GRU {
	var gs []*layers.GRU
	for _, l := range m.Layers() {
		switch l := l.(type) {
		case *layers.GRU:
			gs = append(gs, l)
		case *layers.Bidirectional:
			if g, ok := l.Layer.(*layers.GRU); ok {
				gs = append(gs, g)
			}
		}
	}
	return gs
}

// TestImportGRUResetBeforeLayers checks that the GRU nodes with
// linear_before_reset=0 of testdata/gru_reset_before become one GRU
// layer with NoResetAfter (Keras's reset_after=False), go_backwards for
// the reverse direction, not steps written out.
func TestImportGRUResetBeforeLayers(t *testing.T) {
	for _, c := range []struct {
		path      string
		backwards bool
	}{
		{"testdata/gru_reset_before/forward.onnx", false},
		{"testdata/gru_reset_before/reverse.onnx", true},
	} {
		m, err := onnx.Import(c.path)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		gs := grus(m)
		if len(gs) != 1 || !gs[0].NoResetAfter || gs[0].GoBackwards != c.backwards {
			t.Errorf("%s: GRU layers %+v, want one with NoResetAfter and GoBackwards %v", c.path, gs, c.backwards)
		}
	}
}

// TestImportBidirectionalGRUResetBefore imports bidirectional GRU nodes
// with linear_before_reset=0, their Y or Y_h made batch-major with the
// directions side by side (testdata/gru_reset_before/bidirectional_*,
// made by testdata/gen/gru_reset_before_bidirectional.py), as
// Bidirectional(GRU(reset_after=False)): the outputs of ONNX's own
// reference implementation, to 1e-5.
func TestImportBidirectionalGRUResetBefore(t *testing.T) {
	dir := filepath.Join("testdata", "gru_reset_before")
	var cases map[string]struct {
		X       []float32 `json:"x"`
		XDims   []int     `json:"x_dims"`
		Out     []float32 `json:"out"`
		OutDims []int     `json:"out_dims"`
	}
	readJSON(t, filepath.Join(dir, "bidirectional.json"), &cases)
	if len(cases) != 2 {
		t.Fatalf("%d cases", len(cases))
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := onnx.Import(filepath.Join(dir, "bidirectional_"+name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			gs := grus(m)
			if len(gs) != 1 || !gs[0].NoResetAfter {
				t.Fatalf("GRU layers %+v, want one Bidirectional GRU with NoResetAfter", gs)
			}
			// Per direction: kernel 4×15, recurrent_kernel 5×15, bias 15.
			if got, want := m.CountParams(), 2*(4*15+5*15+15); got != want {
				t.Errorf("%d parameters, want %d", got, want)
			}
			x, xd := moveFirst(c.X, c.XDims, 1)
			ys, err := m.Predict([]models.Array{tensor.FromSlice(x, xd...)}, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ys[0].Shape(), c.OutDims) {
				t.Fatalf("shape %v, want %v", ys[0].Shape(), c.OutDims)
			}
			for i, w := range c.Out {
				if g := ys[0].Data()[i]; math.Abs(float64(g-w)) > 1e-5 {
					t.Fatalf("[%d] = %v, ONNX's reference %v", i, g, w)
				}
			}
		})
	}
}

// TestImportReverseY imports a reverse GRU node whose Y alone is read (no
// return_state): the go_backwards layer's steps are put back at their
// input times. With linear_before_reset=0 the expected Y is ONNX's
// reference implementation's (expected.json); with 1 (Keras's
// reset_after=True) it is ONNX Runtime's on the same node.
func TestImportReverseY(t *testing.T) {
	dir := filepath.Join("testdata", "gru_reset_before")
	var cases map[string]struct {
		X     []float32 `json:"x"`
		XDims []int     `json:"x_dims"`
		Y     []float32 `json:"y"`
		YDims []int     `json:"y_dims"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &cases)
	c := cases["reverse"]
	raw, err := os.ReadFile(filepath.Join(dir, "reverse.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	variant := func(lbr int64) []byte {
		var m pb.ModelProto
		if err := proto.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		g := m.GetGraph()
		g.Output = g.Output[:1] // Y only
		for _, a := range g.GetNode()[0].GetAttribute() {
			if a.GetName() == "linear_before_reset" {
				a.I = proto.Int64(lbr)
			}
		}
		out, err := proto.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	x, xd := moveFirst(c.X, c.XDims, 1)
	check := func(t *testing.T, data []byte, resetBefore bool, want []float32, dims []int) {
		t.Helper()
		m, err := onnx.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if gs := grus(m); len(gs) != 1 || gs[0].NoResetAfter != resetBefore || !gs[0].GoBackwards || !gs[0].ReturnSequences {
			t.Fatalf("GRU layers %+v", gs)
		}
		ys, err := m.Predict([]models.Array{tensor.FromSlice(x, xd...)}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		y, yd := moveFirst(want, dims, 2) // (batch, steps, 1, units)
		if !slices.Equal(ys[0].Shape(), yd) {
			t.Fatalf("shape %v, want %v", ys[0].Shape(), yd)
		}
		for i, w := range y {
			if g := ys[0].Data()[i]; math.Abs(float64(g-w)) > 1e-5 {
				t.Fatalf("[%d] = %v, want %v", i, g, w)
			}
		}
	}
	t.Run("linear_before_reset=0", func(t *testing.T) {
		check(t, variant(0), true, c.Y, c.YDims)
	})
	t.Run("linear_before_reset=1", func(t *testing.T) {
		ortModules(t)
		p := filepath.Join(t.TempDir(), "reverse_lbr1.onnx")
		data := variant(1)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res := runORT(t, []ortJob{{Model: p, Inputs: map[string]ortTensor{"X": {Dims: c.XDims, Data: c.X}}}})
		if res[0].Error != "" {
			t.Fatalf("ONNX Runtime: %s", res[0].Error)
		}
		y := res[0].Outputs["Y"]
		if y.Data == nil {
			t.Fatalf("ONNX Runtime gives %v", keys(res[0].Outputs))
		}
		check(t, data, false, y.Data, y.Dims)
	})
}
