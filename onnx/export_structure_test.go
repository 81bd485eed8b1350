package onnx_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/onnx/internal/pb"
	"google.golang.org/protobuf/proto"
)

func decode(t *testing.T, model any) *pb.ModelProto {
	t.Helper()
	var buf bytes.Buffer
	if err := onnx.Encode(&buf, model); err != nil {
		t.Fatal(err)
	}
	var m pb.ModelProto
	if err := proto.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// The file declares opset 17, a dynamic batch axis, the layers' names, and
// one Transpose into and one out of a run of convolution layers.
func TestExportStructure(t *testing.T) {
	m := seq(t, in(8, 8, 1),
		&layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, Activation: activations.ReLU},
		&layers.MaxPooling2D{},
		&layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}},
		&layers.Flatten{},
		&layers.Dense{Units: 3})
	mp := decode(t, m)
	if got := mp.GetOpsetImport()[0].GetVersion(); got != 17 {
		t.Errorf("opset %d, want 17", got)
	}
	g := mp.GetGraph()
	if len(g.Input) != 1 || g.Input[0].GetName() != "input_layer" {
		t.Fatalf("inputs %v", g.Input)
	}
	dims := g.Input[0].GetType().GetTensorType().GetShape().GetDim()
	if len(dims) != 4 || dims[0].GetDimParam() != "batch" || dims[1].GetDimValue() != 8 || dims[3].GetDimValue() != 1 {
		t.Errorf("input dims %v, want (batch, 8, 8, 1)", dims)
	}
	if len(g.Output) != 1 || g.Output[0].GetName() != "dense" {
		t.Fatalf("outputs %v", g.Output)
	}
	var ops, names []string
	for _, n := range g.Node {
		ops = append(ops, n.GetOpType())
		names = append(names, n.GetName())
	}
	want := "Transpose Conv Relu MaxPool Conv Transpose Flatten Gemm"
	if got := strings.Join(ops, " "); got != want {
		t.Errorf("ops %s\nwant %s", got, want)
	}
	for _, n := range []string{"conv2d", "max_pooling2d", "conv2d_1", "flatten", "dense"} {
		found := false
		for _, got := range names {
			found = found || got == n
		}
		if !found {
			t.Errorf("no node named %q among %v", n, names)
		}
	}
	var inits []string
	for _, t := range g.Initializer {
		inits = append(inits, t.GetName())
	}
	if got := strings.Join(inits, " "); got != "conv2d/kernel conv2d/bias conv2d_1/kernel conv2d_1/bias dense/kernel dense/bias" {
		t.Errorf("initializers %s", got)
	}
}

func TestExportErrors(t *testing.T) {
	unbuilt := models.NewSequential(&layers.Dense{Units: 2})
	for _, c := range []struct {
		model any
		want  string
		is    error
	}{
		{seq(t, in(4, 4, 1), &layers.UpSampling2D{}), `layer "up_sampling2d" (UpSampling2D): no ONNX form`, onnx.ErrUnsupportedLayer},
		{seq(t, in(5), &layers.Embedding{InputDim: 9, OutputDim: 2, MaskZero: true}, &layers.GlobalAveragePooling1D{}), `layer "global_average_pooling1d" (GlobalAveragePooling1D): the mask of an Embedding with mask_zero=True reaches it`, onnx.ErrUnsupportedLayer},
		{seq(t, in(5, 2), &layers.LSTM{Units: 2, Stateful: true}), `layer "lstm" (LSTM): stateful=True`, onnx.ErrUnsupportedLayer},
		{unbuilt, "not built", nil},
		{"model.keras", "model must be a *models.Sequential or *models.Model, got string", nil},
		{(*models.Model)(nil), "the model is nil", nil},
	} {
		path := filepath.Join(t.TempDir(), "m.onnx")
		err := onnx.Export(c.model, path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Export(%T): error %v, want one containing %q", c.model, err, c.want)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("error %v does not wrap %v", err, c.is)
		}
		if _, serr := os.Stat(path); serr == nil {
			t.Errorf("Export(%T) failed but left %s", c.model, path)
		}
	}
}
