package onnx_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/onnx/internal/pb"
	"google.golang.org/protobuf/proto"
)

// smallModel is an exported Dense model, decoded, for the tests to alter.
func smallModel(t *testing.T) *pb.ModelProto {
	t.Helper()
	return decode(t, seq(t, in(3), &layers.Dense{Units: 2, Activation: activations.ReLU}))
}

func write(t *testing.T, dir, name string, m *pb.ModelProto) string {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// externalize moves the kernel's values to the file location, at offset.
func externalize(m *pb.ModelProto, location, offset, length string) []byte {
	k := m.GetGraph().GetInitializer()[0]
	raw := k.RawData
	k.RawData = nil
	k.DataLocation = pb.TensorProto_EXTERNAL.Enum()
	k.ExternalData = []*pb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String(location)}}
	if offset != "" {
		k.ExternalData = append(k.ExternalData, &pb.StringStringEntryProto{Key: proto.String("offset"), Value: proto.String(offset)})
	}
	if length != "" {
		k.ExternalData = append(k.ExternalData, &pb.StringStringEntryProto{Key: proto.String("length"), Value: proto.String(length)})
	}
	return raw
}

func TestExternalData(t *testing.T) {
	dir := t.TempDir()
	m := smallModel(t)
	raw := externalize(m, "weights/kernel.bin", "4", "")
	if err := os.MkdirAll(filepath.Join(dir, "weights"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "weights", "kernel.bin"), append([]byte("junk"), raw...), 0o644); err != nil {
		t.Fatal(err)
	}
	p := write(t, dir, "m.onnx", m)
	model, err := onnx.Import(p)
	if err != nil {
		t.Fatal(err)
	}
	got := model.Layers()[1].(*layers.Dense).Weights()[0].Value.Data()
	if len(raw) != 4*len(got) {
		t.Fatalf("kernel of %d values from %d bytes", len(got), len(raw))
	}
	for i, v := range got {
		if want := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])); v != want {
			t.Fatalf("kernel[%d] = %v, want %v (read from the external file)", i, v, want)
		}
	}
	// Decode has no directory to read from.
	b, _ := os.ReadFile(p)
	if _, err := onnx.Decode(b); err == nil || !strings.Contains(err.Error(), "use Import") {
		t.Errorf("Decode with external data: %v", err)
	}
}

func TestExternalDataRefused(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.bin")
	if err := os.WriteFile(secret, make([]byte, 24), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, location, offset, length, want string
		link                                 bool
	}{
		{name: "parent", location: "../secret.bin", want: `location "../secret.bin" is outside the model's directory`},
		{name: "absolute", location: secret, want: "is outside the model's directory"},
		{name: "empty", location: "", want: "external_data has no location"},
		{name: "symlink", location: "link.bin", link: true, want: `location "link.bin"`},
		{name: "offset past the end", location: "w.bin", offset: "100", want: "do not fit w.bin"},
		{name: "negative offset", location: "w.bin", offset: "-1", want: "do not fit"},
		{name: "wrong length", location: "w.bin", length: "8", want: "length 8"},
		{name: "bad offset", location: "w.bin", offset: "x", want: `offset="x" is not an integer`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "model")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "w.bin"), make([]byte, 24), 0o644); err != nil {
				t.Fatal(err)
			}
			if c.link {
				if err := os.Symlink(secret, filepath.Join(dir, "link.bin")); err != nil {
					t.Skip(err)
				}
			}
			m := smallModel(t)
			externalize(m, c.location, c.offset, c.length)
			_, err := onnx.Import(write(t, dir, "m.onnx", m))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestMalformedFiles(t *testing.T) {
	good := smallModel(t)
	b, err := proto.Marshal(good)
	if err != nil {
		t.Fatal(err)
	}
	// Truncations decode to an error or, cut between fields, to a
	// smaller valid message; never a panic.
	for n := range len(b) {
		_, _ = onnx.Decode(b[:n])
	}
	mutate := func(f func(m *pb.ModelProto)) []byte {
		m := proto.Clone(good).(*pb.ModelProto)
		f(m)
		out, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
		is   error
	}{
		{"garbage", []byte("not a protobuf \xff\xff\xff"), "decoding the protobuf", onnx.ErrMalformed},
		{"no graph", mutate(func(m *pb.ModelProto) { m.Graph = nil }), "has no graph", onnx.ErrMalformed},
		{"no opset", mutate(func(m *pb.ModelProto) { m.OpsetImport = nil }), "no version of the default operator set", onnx.ErrMalformed},
		{"huge dims", mutate(func(m *pb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{1 << 40, 1 << 40} }), "out of range", onnx.ErrMalformed},
		{"dims overflow", mutate(func(m *pb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{1 << 20, 1 << 20, 1 << 20} }), "more than", onnx.ErrMalformed},
		{"rank", mutate(func(m *pb.ModelProto) { m.Graph.Initializer[0].Dims = make([]int64, 9) }), "rank 9", onnx.ErrMalformed},
		{"short raw data", mutate(func(m *pb.ModelProto) { m.Graph.Initializer[0].RawData = m.Graph.Initializer[0].RawData[:5] }), "raw_data has 5 bytes", onnx.ErrMalformed},
		{"dims without values", mutate(func(m *pb.ModelProto) {
			m.Graph.Initializer[0].Dims = []int64{1 << 27}
			m.Graph.Initializer[0].RawData = nil
		}), "the tensor has 0 values, dims [134217728] need 134217728", onnx.ErrMalformed},
		{"zeros bomb", mutate(func(m *pb.ModelProto) {
			m.Graph.Initializer = append(m.Graph.Initializer, &pb.TensorProto{Name: proto.String("big"), Dims: []int64{3}, DataType: proto.Int32(int32(pb.TensorProto_INT64)), Int64Data: []int64{1 << 20, 1 << 20, 1 << 20}})
			m.Graph.Node = append([]*pb.NodeProto{{OpType: proto.String("ConstantOfShape"), Name: proto.String("bomb"), Input: []string{"big"}, Output: []string{"zeros"}}}, m.Graph.Node...)
		}), `node "bomb" (ConstantOfShape): shape [1048576 1048576 1048576]`, onnx.ErrUnsupportedOp},
		{"string tensor", mutate(func(m *pb.ModelProto) { m.Graph.Initializer[0].DataType = proto.Int32(int32(pb.TensorProto_STRING)) }), "data_type STRING", onnx.ErrUnsupportedOp},
		{"unknown op", mutate(func(m *pb.ModelProto) { m.Graph.Node[0].OpType = proto.String("NonMaxSuppression") }), `node "dense" (NonMaxSuppression): no neuron layer`, onnx.ErrUnsupportedOp},
		{"custom domain", mutate(func(m *pb.ModelProto) { m.Graph.Node[0].Domain = proto.String("com.example") }), `operator domain "com.example"`, onnx.ErrUnsupportedOp},
		{"dangling input", mutate(func(m *pb.ModelProto) { m.Graph.Node[0].Input[0] = "nowhere" }), `reads "nowhere", which no earlier node makes`, onnx.ErrMalformed},
		{"dynamic dim", mutate(func(m *pb.ModelProto) {
			d := m.Graph.Input[0].Type.GetTensorType().Shape.Dim[1]
			d.Value = &pb.TensorShapeProto_Dimension_DimParam{DimParam: "n"}
		}), "dimension 1", onnx.ErrUnsupportedOp},
		{"output made by nothing", mutate(func(m *pb.ModelProto) { m.Graph.Output[0].Name = proto.String("ghost") }), `output "ghost" is made by no node`, onnx.ErrMalformed},
	} {
		_, err := onnx.Decode(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, c.is) {
			t.Errorf("%s: error %v, want %v containing %q", c.name, err, c.is, c.want)
		}
	}
}

// FuzzDecode feeds the reader arbitrary bytes: it must return a model or
// an error, never panic, whatever the file declares.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	m := seqF(f)
	if err := onnx.Encode(&buf, m); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	// A masked, bidirectional export (TopK, GatherElements, CumSum,
	// sequence_lens) and an attention one.
	for _, build := range []func() (any, error){maskedExport, attentionExport} {
		mm, err := build()
		if err != nil {
			f.Fatal(err)
		}
		buf.Reset()
		if err := onnx.Encode(&buf, mm); err != nil {
			f.Fatal(err)
		}
		f.Add(slices.Clone(buf.Bytes()))
	}
	for _, p := range []string{"testdata/mnist/model.onnx", "testdata/onnx-backend/pytorch-converted/test_Conv2d/model.onnx", "testdata/onnx-backend/node/test_batchnorm_example/model.onnx", "testdata/pytorch/bilstm.onnx", "testdata/pytorch/bigru_ave.onnx", "testdata/pytorch/bilstm_time_major_sum.onnx", "testdata/pytorch/gelu.onnx", "testdata/pytorch/lstm_states.onnx", "testdata/pytorch/bilstm_state_reduce_sum.onnx", "testdata/gru_reset_before/reverse.onnx"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		model, err := onnx.Decode(data)
		if err == nil && model == nil {
			t.Fatal("no model and no error")
		}
	})
}

func seqF(f *testing.F) any {
	m, err := buildSeq(in(4, 4, 1), &layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}}, &layers.BatchNormalization{}, &layers.MaxPooling2D{},
		&layers.Flatten{}, &layers.Dense{Units: 2, Activation: activations.Softmax})
	if err != nil {
		f.Fatal(err)
	}
	return m
}

func maskedExport() (any, error) {
	return buildSeq(in(5), &layers.Embedding{InputDim: 6, OutputDim: 2, MaskZero: true},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 2, ReturnSequences: true}, MergeMode: "sum"}, &layers.LSTM{Units: 2})
}

func attentionExport() (any, error) {
	x := models.Input([]int{3, 4}, "x")
	return models.NewModel([]*models.Node{x}, []*models.Node{models.Apply(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 2, UseCausalMask: true}, x, x)})
}

// readJSON decodes a test's expected values from the JSON file at path
// into v, failing the test if it cannot.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
