package onnx_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/onnx/internal/pb"
	"github.com/neuron-go/neuron/tensor"
)

// TestImportSequenceLensRefused checks the sequence_lens neuron does not
// read as an Embedding's mask: lengths given as a graph input, and the
// export's mask pattern with a value of it read elsewhere, are refused
// with errors naming the node and the input; the export's own pattern is
// read (TestRoundTrip).
func TestImportSequenceLensRefused(t *testing.T) {
	exported := func() *pb.ModelProto {
		var buf bytes.Buffer
		if err := onnx.Encode(&buf, seq(t, in(6), &layers.Embedding{InputDim: 9, OutputDim: 3, MaskZero: true}, &layers.LSTM{Units: 2})); err != nil {
			t.Fatal(err)
		}
		var m pb.ModelProto
		if err := proto.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return &m
	}
	rnn := func(m *pb.ModelProto) *pb.NodeProto {
		for _, n := range m.GetGraph().GetNode() {
			if n.GetOpType() == "LSTM" {
				return n
			}
		}
		t.Fatal("no LSTM node")
		return nil
	}
	decode := func(m *pb.ModelProto) error {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		_, err = onnx.Decode(b)
		return err
	}
	if err := decode(exported()); err != nil {
		t.Fatalf("the export's pattern: %v", err)
	}

	// Lengths as a graph input.
	m := exported()
	n := rnn(m)
	n.Input[4] = "lengths"
	m.Graph.Input = append(m.Graph.Input, &pb.ValueInfoProto{Name: proto.String("lengths"), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
		ElemType: proto.Int32(int32(pb.TensorProto_INT32)), Shape: &pb.TensorShapeProto{Dim: []*pb.TensorShapeProto_Dimension{{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}}}}}}}})
	err := decode(m)
	want := `node "` + n.GetName() + `" (LSTM): input 4, sequence_lens, is the graph input "lengths"`
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, onnx.ErrUnsupportedOp) {
		t.Errorf("lengths as an input: %v, want %q", err, want)
	}

	// The lengths computed otherwise: from the mask without the casts.
	m = exported()
	n = rnn(m)
	var sum *pb.NodeProto
	for _, x := range m.GetGraph().GetNode() {
		if x.GetOpType() == "ReduceSum" {
			sum = x
		}
	}
	n.Input[4] = sum.GetOutput()[0]
	err = decode(m)
	want = `input 4, sequence_lens, is "` + sum.GetOutput()[0] + `", which is not the mask of an Embedding with mask_zero=True`
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, onnx.ErrUnsupportedOp) {
		t.Errorf("other lengths: %v, want %q", err, want)
	}

	// The mask also a graph output.
	m = exported()
	var mask string
	for _, x := range m.GetGraph().GetNode() {
		if x.GetOpType() == "Not" {
			mask = x.GetOutput()[0]
		}
	}
	m.Graph.Output = append(m.Graph.Output, &pb.ValueInfoProto{Name: proto.String(mask)})
	err = decode(m)
	want = `its output "` + mask + `" is a graph output, but it belongs to the sequence_lens mask`
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, onnx.ErrUnsupportedOp) {
		t.Errorf("the mask an output: %v, want %q", err, want)
	}
}

// TestMaskedImportMatchesONNXRuntime reads back each exported model with
// an Embedding(mask_zero=True) before recurrent layers (sequence_lens in
// the file; padding at the front, at the end, in the middle, everywhere
// and nowhere) and checks the imported model's outputs against ONNX
// Runtime's on the file, to 1e-5.
func TestMaskedImportMatchesONNXRuntime(t *testing.T) {
	ortModules(t)
	dir := t.TempDir()
	var jobs []ortJob
	var wants [][]*tensor.Tensor
	var names []string
	for ci, tc := range exportCases {
		if !tc.padded {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(ci), 11))
		model := tc.model(t)
		randomize(model, rng)
		path := filepath.Join(dir, tc.name+".onnx")
		if err := onnx.Export(model, path); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		back, err := onnx.Import(path)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		inNames, shapes := inputShapes(model)
		if len(shapes) != 1 {
			t.Fatalf("%s: %d inputs", tc.name, len(shapes))
		}
		const batch = 10
		steps := shapes[0][0]
		data := make([]float32, batch*steps)
		for b := range batch {
			padPattern(rng, tc.ints, b, steps, data[b*steps:(b+1)*steps])
		}
		x := tensor.FromSlice(data, batch, steps)
		got, err := back.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		jobs = append(jobs, ortJob{Model: path, Inputs: map[string]ortTensor{inNames[0]: {Dims: []int{batch, steps}, Data: data}}})
		wants = append(wants, got)
		names = append(names, tc.name)
		if !slices.Equal(back.OutputNames(), outputNames(model)) {
			t.Fatalf("%s: outputs %v, want %v", tc.name, back.OutputNames(), outputNames(model))
		}
	}
	if len(jobs) < 6 {
		t.Fatalf("%d masked cases", len(jobs))
	}
	results := runORT(t, jobs)
	for ci, name := range names {
		t.Run(name, func(t *testing.T) {
			res, got := results[ci], wants[ci]
			if res.Error != "" {
				t.Fatalf("ONNX Runtime fails: %s", res.Error)
			}
			for i, on := range outputNames(exportCaseNamed(t, name).model(t)) {
				o, ok := res.Outputs[on]
				if !ok {
					t.Fatalf("ONNX Runtime gives no output %q", on)
				}
				if !slices.Equal(o.Dims, got[i].Shape()) {
					t.Fatalf("output %q: shape %v in ONNX Runtime, %v imported", on, o.Dims, got[i].Shape())
				}
				for j, w := range o.Data {
					if d := math.Abs(float64(got[i].Data()[j] - w)); !(d <= 1e-5*max(1, math.Abs(float64(w)))) {
						t.Fatalf("output %q[%d]: imported %v, ONNX Runtime %v", on, j, got[i].Data()[j], w)
					}
				}
			}
		})
	}
}

func exportCaseNamed(t *testing.T, name string) exportCase {
	for _, c := range exportCases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no case %q", name)
	return exportCase{}
}
