package onnx_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/onnx/internal/pb"
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
