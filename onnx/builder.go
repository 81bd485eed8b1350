package onnx

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/onnx/internal/pb"
	"google.golang.org/protobuf/proto"
)

// builder accumulates the nodes and initializers of one ONNX graph, keeping
// every tensor name unique.
type builder struct {
	g *pb.GraphProto
	// used holds the tensor names taken, nodes the node names: ONNX keeps
	// them apart, so a layer's node keeps the layer's name even where its
	// output tensor had to take another.
	used, nodes map[string]bool
	// layout caches the transposes made between neuron's channels-last
	// tensors and ONNX's channels-first ones, so that a tensor is
	// transposed once however many layers read it.
	toFirst, toLast map[string]string
}

func newBuilder(name string) *builder {
	return &builder{
		g:       &pb.GraphProto{Name: proto.String(name)},
		used:    map[string]bool{},
		nodes:   map[string]bool{},
		toFirst: map[string]string{},
		toLast:  map[string]string{},
	}
}

// fresh returns a tensor name: base, or base with a suffix if that name is
// taken.
func (b *builder) fresh(base string) string { return unique(b.used, base) }

func unique(used map[string]bool, base string) string {
	if !used[base] {
		used[base] = true
		return base
	}
	for i := 1; ; i++ {
		n := fmt.Sprintf("%s_%d", base, i)
		if !used[n] {
			used[n] = true
			return n
		}
	}
}

// op adds a node whose single output gets a fresh name made from name.
func (b *builder) op(opType, name string, ins []string, attrs ...*pb.AttributeProto) string {
	out := b.fresh(name)
	b.opTo(opType, name, ins, []string{out}, attrs...)
	return out
}

// opTo adds a node with given output names (already reserved by fresh);
// the node is named name, or name with a suffix if a node has it.
func (b *builder) opTo(opType, name string, ins, outs []string, attrs ...*pb.AttributeProto) {
	b.g.Node = append(b.g.Node, &pb.NodeProto{
		OpType:    proto.String(opType),
		Name:      proto.String(unique(b.nodes, name)),
		Input:     ins,
		Output:    outs,
		Attribute: attrs,
	})
}

// floats adds a float32 initializer.
func (b *builder) floats(name string, dims []int, data []float32) string {
	n := b.fresh(name)
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		u := math.Float32bits(v)
		raw[4*i], raw[4*i+1], raw[4*i+2], raw[4*i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	}
	b.g.Initializer = append(b.g.Initializer, &pb.TensorProto{
		Name:     proto.String(n),
		Dims:     int64s(dims),
		DataType: proto.Int32(int32(pb.TensorProto_FLOAT)),
		RawData:  raw,
	})
	return n
}

// bools adds a boolean initializer (a constant mask).
func (b *builder) bools(name string, dims []int, data []bool) {
	v := make([]int32, len(data))
	for i, x := range data {
		if x {
			v[i] = 1
		}
	}
	b.g.Initializer = append(b.g.Initializer, &pb.TensorProto{
		Name:      proto.String(name),
		Dims:      int64s(dims),
		DataType:  proto.Int32(int32(pb.TensorProto_BOOL)),
		Int32Data: v,
	})
}

// scalar adds a float32 scalar initializer.
func (b *builder) scalar(name string, v float32) string { return b.floats(name, nil, []float32{v}) }

// ints adds an int64 initializer of rank 1 (shapes, axes, indices).
func (b *builder) ints(name string, data ...int64) string {
	n := b.fresh(name)
	b.g.Initializer = append(b.g.Initializer, &pb.TensorProto{
		Name:      proto.String(n),
		Dims:      []int64{int64(len(data))},
		DataType:  proto.Int32(int32(pb.TensorProto_INT64)),
		Int64Data: data,
	})
	return n
}

// intScalar adds an int64 scalar initializer (an axis).
func (b *builder) intScalar(name string, v int64) string {
	n := b.fresh(name)
	b.g.Initializer = append(b.g.Initializer, &pb.TensorProto{
		Name:      proto.String(n),
		DataType:  proto.Int32(int32(pb.TensorProto_INT64)),
		Int64Data: []int64{v},
	})
	return n
}

func int64s(s []int) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}

func attrInt(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func attrInts(name string, v ...int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: v}
}

func attrFloat(name string, v float32) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func attrFloats(name string, v ...float32) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOATS.Enum(), Floats: v}
}

func attrString(name, v string) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func attrStrings(name string, v ...string) *pb.AttributeProto {
	bs := make([][]byte, len(v))
	for i, s := range v {
		bs[i] = []byte(s)
	}
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRINGS.Enum(), Strings: bs}
}

// valueInfo describes a float32 graph input or output with a dynamic
// batch axis named "batch" and the given per-example dimensions.
func valueInfo(name string, perExample []int) *pb.ValueInfoProto {
	dims := []*pb.TensorShapeProto_Dimension{{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}}}
	for _, d := range perExample {
		dims = append(dims, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	return &pb.ValueInfoProto{
		Name: proto.String(name),
		Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(pb.TensorProto_FLOAT)),
			Shape:    &pb.TensorShapeProto{Dim: dims},
		}}},
	}
}
