package data_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/tensor"
)

// The expected rows follow keras/src/utils/sequence_utils.py: np.full with
// value, then s[-maxlen:] or s[:maxlen] written at the end ("pre") or the
// start ("post"); the first four cases are the function's docstring.
func TestPadSequences(t *testing.T) {
	seq := [][]int{{1}, {2, 3}, {4, 5, 6}}
	cases := []struct {
		name string
		seqs [][]int
		opts data.PadOptions
		want [][]float32
	}{
		{"defaults", seq, data.PadOptions{}, [][]float32{{0, 0, 1}, {0, 2, 3}, {4, 5, 6}}},
		{"value -1", seq, data.PadOptions{Value: -1}, [][]float32{{-1, -1, 1}, {-1, 2, 3}, {4, 5, 6}}},
		{"padding post", seq, data.PadOptions{Padding: "post"}, [][]float32{{1, 0, 0}, {2, 3, 0}, {4, 5, 6}}},
		{"maxlen 2", seq, data.PadOptions{MaxLen: 2}, [][]float32{{0, 1}, {2, 3}, {5, 6}}},
		{"maxlen 2 truncating post", seq, data.PadOptions{MaxLen: 2, Truncating: "post"}, [][]float32{{0, 1}, {2, 3}, {4, 5}}},
		{"maxlen 2 both post", seq, data.PadOptions{MaxLen: 2, Truncating: "post", Padding: "post"}, [][]float32{{1, 0}, {2, 3}, {4, 5}}},
		{"maxlen 5 post", seq, data.PadOptions{MaxLen: 5, Padding: "post", Value: 9}, [][]float32{{1, 9, 9, 9, 9}, {2, 3, 9, 9, 9}, {4, 5, 6, 9, 9}}},
		{"empty sequence", [][]int{{}, {7, 8}}, data.PadOptions{}, [][]float32{{0, 0}, {7, 8}}},
		// int32 truncates the fill value toward zero: np.full(..., -1.5, dtype="int32") is -1.
		{"int value truncated", [][]int{{1}, {}}, data.PadOptions{MaxLen: 2, Value: -1.5}, [][]float32{{-1, 1}, {-1, -1}}},
		{"float32 keeps value", [][]int{{1}}, data.PadOptions{MaxLen: 2, Value: -1.5, Dtype: "float32"}, [][]float32{{-1.5, 1}}},
		{"maxlen 1 pre", seq, data.PadOptions{MaxLen: 1}, [][]float32{{1}, {3}, {6}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := data.PadSequences(c.seqs, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Shape(), []int{len(c.want), len(c.want[0])}) {
				t.Fatalf("shape %v, want %d×%d", got.Shape(), len(c.want), len(c.want[0]))
			}
			for i, row := range c.want {
				if r := got.Row(i).Data(); !reflect.DeepEqual(r, row) {
					t.Errorf("row %d = %v, want %v", i, r, row)
				}
			}
		})
	}
}

// np.asarray([2.7, -2.7], dtype="int32") truncates toward zero: [2, -2].
func TestPadSequencesFloats(t *testing.T) {
	got, err := data.PadSequences([][]float64{{2.7, -2.7}}, data.PadOptions{MaxLen: 3})
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Data(); !reflect.DeepEqual(d, []float32{0, 2, -2}) {
		t.Errorf("int32: %v, want [0 2 -2]", d)
	}
	got, err = data.PadSequences([][]float64{{2.7, -2.7}}, data.PadOptions{MaxLen: 3, Dtype: "float64"})
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Data(); !reflect.DeepEqual(d, []float32{0, 2.7, -2.7}) {
		t.Errorf("float64: %v, want [0 2.7 -2.7]", d)
	}
	got, err = data.PadSequences([][]int{}, data.PadOptions{MaxLen: 4})
	if err != nil || !reflect.DeepEqual(got.Shape(), []int{0, 4}) {
		t.Errorf("no sequences with MaxLen 4: %v, %v; want shape [0 4]", got, err)
	}
}

func TestPadSequencesErrors(t *testing.T) {
	cases := []struct {
		name string
		run  func() (*tensor.Tensor, error)
		want string
	}{
		{"dtype", func() (*tensor.Tensor, error) { return data.PadSequences([][]int{{1}}, data.PadOptions{Dtype: "int"}) }, `unknown Dtype "int"`},
		{"padding", func() (*tensor.Tensor, error) {
			return data.PadSequences([][]int{{1}}, data.PadOptions{Padding: "both"})
		}, `Padding must be "pre" or "post", got "both"`},
		{"truncating", func() (*tensor.Tensor, error) {
			return data.PadSequences([][]int{{1}}, data.PadOptions{Truncating: "mid"})
		}, `Truncating must be "pre" or "post", got "mid"`},
		{"maxlen", func() (*tensor.Tensor, error) { return data.PadSequences([][]int{{1}}, data.PadOptions{MaxLen: -1}) }, "MaxLen must be >= 0"},
		{"nothing", func() (*tensor.Tensor, error) { return data.PadSequences([][]int{}, data.PadOptions{}) }, "no sequences"},
		{"uint8 range", func() (*tensor.Tensor, error) {
			return data.PadSequences([][]int{{1, 300}}, data.PadOptions{Dtype: "uint8"})
		}, "sequences[0][1] is 300, outside the range of uint8"},
		{"value range", func() (*tensor.Tensor, error) {
			return data.PadSequences([][]int{{1}}, data.PadOptions{Dtype: "uint8", Value: -1})
		}, "Value is -1, outside the range of uint8"},
		{"nan", func() (*tensor.Tensor, error) { return data.PadSequences([][]float64{{math.NaN()}}, data.PadOptions{}) }, "sequences[0][0] is NaN"},
		{"index after truncation", func() (*tensor.Tensor, error) {
			return data.PadSequences([][]float64{{1, 2, math.NaN()}}, data.PadOptions{MaxLen: 2})
		}, "sequences[0][2] is NaN"},
		{"beyond 2^24", func() (*tensor.Tensor, error) {
			return data.PadSequences([][]int64{{1 << 25}}, data.PadOptions{Dtype: "int64"})
		}, "up to 2^24"},
		{"float64 overflow", func() (*tensor.Tensor, error) {
			return data.PadSequences([][]float64{{1e300}}, data.PadOptions{Dtype: "float64"})
		}, "beyond the float32 result's range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.run()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
