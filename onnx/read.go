package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/neuron-go/neuron/onnx/internal/pb"
	"google.golang.org/protobuf/proto"
)

// ErrMalformed is wrapped by the errors of Import and Decode for a file
// that is not a valid ONNX model or breaks one of the reader's bounds.
var ErrMalformed = errors.New("malformed ONNX file")

// ErrUnsupportedOp is wrapped by the error of Import for an operator (or an
// operator's setting) that has no neuron layer.
var ErrUnsupportedOp = errors.New("ONNX operator not supported")

// Bounds on what a file may declare, checked before anything of that size
// is allocated: an ONNX file is untrusted input.
const (
	// MaxFileSize is the largest model file read: protobuf's own limit.
	MaxFileSize = 2<<30 - 1
	maxNodes    = 100_000
	maxTensors  = 100_000
	maxRank     = 8
	// maxElements bounds a tensor's element count (1 GiB of float32).
	maxElements = 1 << 28
	// maxMadeElements bounds a constant made while loading (ConstantOfShape).
	maxMadeElements = 1 << 20
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("onnx: %s: %w", fmt.Sprintf(format, args...), ErrMalformed)
}

// tensorData is a decoded TensorProto: float32 values, or int64 ones for
// integer tensors (shapes, indices, axes).
type tensorData struct {
	dims  []int
	f     []float32
	i     []int64
	isInt bool
}

func (t *tensorData) size() int { return prodInts(t.dims) }

// readModel reads and checks the model at path; external tensor data is
// read from files inside path's directory only.
func readModel(path string) (*pb.ModelProto, map[string]*tensorData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: reading %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, nil, malformed("%s is larger than %d bytes", path, MaxFileSize)
	}
	return parseModel(data, filepath.Dir(path))
}

// parseModel decodes a model; dir is where external data may be read
// from ("" refuses external data).
func parseModel(data []byte, dir string) (*pb.ModelProto, map[string]*tensorData, error) {
	var m pb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, nil, malformed("decoding the protobuf: %v", err)
	}
	g := m.GetGraph()
	if g == nil {
		return nil, nil, malformed("the model has no graph")
	}
	if n := len(g.GetNode()); n > maxNodes {
		return nil, nil, malformed("the graph has %d nodes, more than %d", n, maxNodes)
	}
	if n := len(g.GetInitializer()); n > maxTensors {
		return nil, nil, malformed("the graph has %d initializers, more than %d", n, maxTensors)
	}
	var root *os.Root
	defer func() {
		if root != nil {
			root.Close()
		}
	}()
	consts := map[string]*tensorData{}
	for i, t := range g.GetInitializer() {
		if t.GetDataLocation() == pb.TensorProto_EXTERNAL && root == nil {
			if dir == "" {
				return nil, nil, malformed("initializer %q keeps its data in an external file, which needs the model's path (use Import)", t.GetName())
			}
			r, err := os.OpenRoot(dir)
			if err != nil {
				return nil, nil, fmt.Errorf("onnx: %w", err)
			}
			root = r
		}
		td, err := decodeTensor(t, root)
		if err != nil {
			return nil, nil, fmt.Errorf("onnx: initializer %d (%q): %w", i, t.GetName(), err)
		}
		consts[t.GetName()] = td
	}
	return &m, consts, nil
}

// decodeTensor decodes a TensorProto of type FLOAT, DOUBLE, INT64 or
// INT32; root, if not nil, is the directory external data may come from.
func decodeTensor(t *pb.TensorProto, root *os.Root) (*tensorData, error) {
	if len(t.GetDims()) > maxRank {
		return nil, malformed("rank %d is above %d", len(t.GetDims()), maxRank)
	}
	td := &tensorData{}
	n := 1
	for _, d := range t.GetDims() {
		if d < 0 || d > maxElements {
			return nil, malformed("dims %v out of range", t.GetDims())
		}
		n *= int(d)
		if n > maxElements {
			return nil, malformed("dims %v hold more than %d elements", t.GetDims(), maxElements)
		}
		td.dims = append(td.dims, int(d))
	}
	var width int
	dt := pb.TensorProto_DataType(t.GetDataType())
	switch dt {
	case pb.TensorProto_FLOAT, pb.TensorProto_INT32:
		width = 4
	case pb.TensorProto_DOUBLE, pb.TensorProto_INT64:
		width = 8
	default:
		return nil, fmt.Errorf("data_type %v is not supported (float, double, int32, int64): %w", dt, ErrUnsupportedOp)
	}
	raw := t.GetRawData()
	if t.GetDataLocation() == pb.TensorProto_EXTERNAL {
		var err error
		if raw, err = externalData(t, root, n*width); err != nil {
			return nil, err
		}
	}
	if raw != nil || t.GetDataLocation() == pb.TensorProto_EXTERNAL {
		if len(raw) != n*width {
			return nil, malformed("raw_data has %d bytes, dims %v of %v need %d", len(raw), td.dims, dt, n*width)
		}
	} else {
		// The values are in the file: check their count before making
		// room for what the dims declare.
		var have int
		switch dt {
		case pb.TensorProto_FLOAT:
			have = len(t.GetFloatData())
		case pb.TensorProto_DOUBLE:
			have = len(t.GetDoubleData())
		case pb.TensorProto_INT64:
			have = len(t.GetInt64Data())
		case pb.TensorProto_INT32:
			have = len(t.GetInt32Data())
		}
		if have != n {
			return nil, malformed("the tensor has %d values, dims %v need %d", have, td.dims, n)
		}
	}
	switch dt {
	case pb.TensorProto_FLOAT:
		td.f = make([]float32, 0, n)
		if raw != nil {
			for k := range n {
				td.f = append(td.f, math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:])))
			}
		} else {
			td.f = append(td.f, t.GetFloatData()...)
		}
		if len(td.f) != n {
			return nil, malformed("float_data has %d values, dims %v need %d", len(td.f), td.dims, n)
		}
	case pb.TensorProto_DOUBLE:
		td.f = make([]float32, 0, n)
		if raw != nil {
			for k := range n {
				td.f = append(td.f, float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*k:]))))
			}
		} else {
			for _, v := range t.GetDoubleData() {
				td.f = append(td.f, float32(v))
			}
		}
		if len(td.f) != n {
			return nil, malformed("double_data has %d values, dims %v need %d", len(td.f), td.dims, n)
		}
	case pb.TensorProto_INT64, pb.TensorProto_INT32:
		td.isInt = true
		td.i = make([]int64, 0, n)
		switch {
		case raw != nil && dt == pb.TensorProto_INT64:
			for k := range n {
				td.i = append(td.i, int64(binary.LittleEndian.Uint64(raw[8*k:])))
			}
		case raw != nil:
			for k := range n {
				td.i = append(td.i, int64(int32(binary.LittleEndian.Uint32(raw[4*k:]))))
			}
		case dt == pb.TensorProto_INT64:
			td.i = append(td.i, t.GetInt64Data()...)
		default:
			for _, v := range t.GetInt32Data() {
				td.i = append(td.i, int64(v))
			}
		}
		if len(td.i) != n {
			return nil, malformed("integer data has %d values, dims %v need %d", len(td.i), td.dims, n)
		}
	}
	return td, nil
}

// externalData reads a tensor's bytes from the file its external_data
// names. The location must be a local path inside the model's directory
// (no absolute paths, no "..", no symbolic link out of it: os.Root
// enforces that), and offset and length must lie within the file.
func externalData(t *pb.TensorProto, root *os.Root, want int) ([]byte, error) {
	var loc string
	offset, length := int64(0), int64(-1)
	for _, kv := range t.GetExternalData() {
		var err error
		switch kv.GetKey() {
		case "location":
			loc = kv.GetValue()
		case "offset":
			offset, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		case "length":
			length, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		}
		if err != nil {
			return nil, malformed("external_data %s=%q is not an integer", kv.GetKey(), kv.GetValue())
		}
	}
	if loc == "" {
		return nil, malformed("external_data has no location")
	}
	if !filepath.IsLocal(loc) {
		return nil, malformed("external_data location %q is outside the model's directory", loc)
	}
	if root == nil {
		return nil, malformed("external_data location %q needs the model's directory", loc)
	}
	f, err := root.Open(loc)
	if err != nil {
		return nil, fmt.Errorf("external_data location %q: %w", loc, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if length < 0 {
		length = int64(want)
	}
	if offset < 0 || length != int64(want) || offset > st.Size() || length > st.Size()-offset {
		return nil, malformed("external_data of %q: offset %d and length %d do not fit %s (%d bytes) and the tensor's %d bytes", t.GetName(), offset, length, loc, st.Size(), want)
	}
	buf := make([]byte, length)
	if _, err := f.ReadAt(buf, offset); err != nil {
		return nil, fmt.Errorf("external_data location %q: %w", loc, err)
	}
	return buf, nil
}

// boundedProd returns the product of dims, or false if it passes limit
// (checked at each step, so that it cannot overflow).
func boundedProd(dims []int, limit int) (int, bool) {
	n := 1
	for _, d := range dims {
		if d < 0 || d > limit {
			return 0, false
		}
		n *= d
		if n > limit {
			return 0, false
		}
	}
	return n, true
}
