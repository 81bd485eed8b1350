package onnx_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/onnx/internal/pb"
	"github.com/neuron-go/neuron/tensor"
	"google.golang.org/protobuf/proto"
)

// ONNX's own backend tests (testdata/onnx-backend, from github.com/onnx/onnx,
// Apache-2.0; see testdata/onnx-backend/README.md): each directory holds a
// model.onnx and test_data_set_0 with input_*.pb and the expected
// output_*.pb, computed by ONNX's reference implementation. The node tests
// give weights as graph inputs; constants lists, per test, which inputs
// are made initializers (by default every input after the first), so that
// they become a layer's weights.
var backendConstants = map[string][]int{
	"node/test_add":              {},
	"node/test_sub":              {},
	"node/test_mul":              {},
	"node/test_div":              {1},
	"node/test_concat_2d_axis_1": {},
	"node/test_max_two_inputs":   {},
	"node/test_gather_0":         {0},
}

// backendRefused lists the tests whose models use a setting neuron has no
// layer for, with the error expected.
var backendRefused = map[string]string{
	"node/test_gemm_default_matrix_bias":                      `C of shape [3 4]`,
	"node/test_maxpool_2d_pads":                               `pads [2 2 2 2]`,
	"node/test_div":                                           `a constant operand of shape [3 4 5]`,
	"node/test_lstm_with_peepholes":                           `input 4, sequence_lens, is "sequence_lens"`,
	"node/test_gelu_tanh_2":                                   `approximate="tanh"`,
	"node/test_averagepool_2d_ceil_last_window_starts_on_pad": `ceil_mode=1 with pads [1 1 1 1]`,
	"node/test_reshape_reordered_all_dims":                    `moves values across the batch axis`,
	"node/test_gather_0":                                      `input "indices" has rank 1`,
	"node/test_max_two_inputs":                                `input "data_0" has rank 1`,
	"node/test_layer_normalization_2d_axis1":                  `its Mean and InvStdDev outputs are read`,
	"pytorch-converted/test_Conv2d_dilated":                   `strides [2 2] with dilations [2 2]`,
	"pytorch-converted/test_Softsign":                         `(Abs): no neuron layer`,
	"node/test_transpose_default":                             `moves the batch axis`,
	"pytorch-converted/test_ZeroPad2d":                        `(Pad): pads [0 0 3 1 0 0 4 2]`,
}

// backendBatchAxis lists the tests whose inputs and outputs have their
// batch axis second: the recurrent nodes' time-major X (steps, batch,
// features) and Y_h (directions, batch, units), which neuron takes and
// gives with the batch axis first (the test moves it).
var backendBatchAxis = map[string]map[string]int{
	"node/test_lstm_defaults":                {"X": 1, "Y_h": 1},
	"node/test_lstm_with_initial_bias":       {"X": 1, "Y_h": 1},
	"node/test_simple_rnn_defaults":          {"X": 1, "Y_h": 1},
	"node/test_gru_defaults":                 {"X": 1, "Y_h": 1},
	"node/test_gru_with_initial_bias":        {"X": 1, "Y_h": 1},
	"node/test_gru_seq_length":               {"X": 1, "Y_h": 1},
	"node/test_simple_rnn_with_initial_bias": {"X": 1, "Y_h": 1},
}

// batchFirst moves axis first in t.
func batchFirst(t *tensor.Tensor, axis int) *tensor.Tensor {
	d, s := moveFirst(t.Data(), t.Shape(), axis)
	return tensor.FromSlice(d, s...)
}

func readTensor(t *testing.T, path string) *pb.TensorProto {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tp pb.TensorProto
	if err := proto.Unmarshal(b, &tp); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &tp
}

// tensorOf decodes a float or integer TensorProto as float32 values.
func tensorOf(t *testing.T, tp *pb.TensorProto) *tensor.Tensor {
	t.Helper()
	m := &pb.ModelProto{Graph: &pb.GraphProto{}}
	_ = m
	dims := make([]int, len(tp.GetDims()))
	for i, d := range tp.GetDims() {
		dims[i] = int(d)
	}
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	raw := tp.GetRawData()
	switch pb.TensorProto_DataType(tp.GetDataType()) {
	case pb.TensorProto_FLOAT:
		if raw != nil {
			for i := range data {
				data[i] = math.Float32frombits(uint32(raw[4*i]) | uint32(raw[4*i+1])<<8 | uint32(raw[4*i+2])<<16 | uint32(raw[4*i+3])<<24)
			}
		} else {
			copy(data, tp.GetFloatData())
		}
	case pb.TensorProto_INT64:
		if raw != nil {
			for i := range data {
				var v int64
				for k := 7; k >= 0; k-- {
					v = v<<8 | int64(raw[8*i+k])
				}
				data[i] = float32(v)
			}
		} else {
			for i, v := range tp.GetInt64Data() {
				data[i] = float32(v)
			}
		}
	default:
		t.Fatalf("tensor type %v", tp.GetDataType())
	}
	return tensor.FromSlice(data, dims...)
}

func TestBackendNodeTests(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "onnx-backend", "*", "test_*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no backend tests found: %v", err)
	}
	for _, dir := range dirs {
		name := filepath.ToSlash(strings.TrimPrefix(dir, filepath.Join("testdata", "onnx-backend")+string(filepath.Separator)))
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			var m pb.ModelProto
			if err := proto.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			g := m.GetGraph()
			inits := map[string]bool{}
			for _, in := range g.GetInitializer() {
				inits[in.GetName()] = true
			}
			var ins []*pb.ValueInfoProto
			for _, in := range g.GetInput() {
				if !inits[in.GetName()] {
					ins = append(ins, in)
				}
			}
			consts, ok := backendConstants[name]
			if !ok {
				for i := 1; i < len(ins); i++ {
					consts = append(consts, i)
				}
			}
			var feeds []*tensor.Tensor
			var keep []*pb.ValueInfoProto
			for i, in := range ins {
				tp := readTensor(t, filepath.Join(dir, "test_data_set_0", fmt.Sprintf("input_%d.pb", i)))
				if slices.Contains(consts, i) {
					tp.Name = proto.String(in.GetName())
					g.Initializer = append(g.Initializer, tp)
					continue
				}
				keep = append(keep, in)
				feeds = append(feeds, batchFirst(tensorOf(t, tp), backendBatchAxis[name][in.GetName()]))
			}
			g.Input = keep
			data, err := proto.Marshal(&m)
			if err != nil {
				t.Fatal(err)
			}
			model, err := onnx.Decode(data)
			if want, refused := backendRefused[name]; refused {
				if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, onnx.ErrUnsupportedOp) {
					t.Fatalf("Decode: error %v, want ErrUnsupportedOp containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			xs := make([]models.Array, len(feeds))
			for i, f := range feeds {
				xs[i] = f
			}
			got, err := model.Predict(xs, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range g.GetOutput() {
				want := batchFirst(tensorOf(t, readTensor(t, filepath.Join(dir, "test_data_set_0", fmt.Sprintf("output_%d.pb", i)))), backendBatchAxis[name][o.GetName()])
				if !slices.Equal(got[i].Shape(), want.Shape()) {
					t.Fatalf("output %d: shape %v, want %v", i, got[i].Shape(), want.Shape())
				}
				for j, w := range want.Data() {
					if d := math.Abs(float64(got[i].Data()[j] - w)); !(d <= 1e-5*max(1, math.Abs(float64(w)))) {
						t.Fatalf("output %d[%d]: %v, want %v", i, j, got[i].Data()[j], w)
					}
				}
			}
		})
	}
}

// GRU with linear_before_reset=0 (Keras's reset_after=False), forward and
// reverse over 6 steps, Y and Y_h both read (testdata/gru_reset_before,
// made by testdata/gen/gru_reset_before.py): the outputs of ONNX's own
// reference implementation.
func TestImportGRUResetBefore(t *testing.T) {
	dir := filepath.Join("testdata", "gru_reset_before")
	var cases map[string]struct {
		X      []float32 `json:"x"`
		XDims  []int     `json:"x_dims"`
		Y      []float32 `json:"y"`
		YDims  []int     `json:"y_dims"`
		Yh     []float32 `json:"y_h"`
		YhDims []int     `json:"y_h_dims"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &cases)
	if len(cases) != 2 {
		t.Fatalf("%d cases", len(cases))
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			model, err := onnx.Import(filepath.Join(dir, name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			// One GRU(reset_after=False): kernel 4×15, recurrent_kernel
			// 5×15 and one bias of 15 (Wb + Rb).
			if got := model.CountParams(); got != 4*15+5*15+15 {
				t.Errorf("%d parameters, want %d", got, 4*15+5*15+15)
			}
			x, xd := moveFirst(c.X, c.XDims, 1)
			ys, err := model.Predict([]models.Array{tensor.FromSlice(x, xd...)}, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range []struct {
				data []float32
				dims []int
				axis int
			}{{c.Y, c.YDims, 2}, {c.Yh, c.YhDims, 1}} {
				y, yd := moveFirst(want.data, want.dims, want.axis)
				if !slices.Equal(ys[k].Shape(), yd) {
					t.Fatalf("output %d: shape %v, want %v", k, ys[k].Shape(), yd)
				}
				for i, w := range y {
					if g := ys[k].Data()[i]; math.Abs(float64(g-w)) > 1e-5 {
						t.Fatalf("output %d [%d] = %v, ONNX's reference %v", k, i, g, w)
					}
				}
			}
		})
	}
}
