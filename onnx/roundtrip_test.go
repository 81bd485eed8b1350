package onnx_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/tensor"
)

// Exported models read back predict what the original does: ONNX Runtime
// checks the export (TestExportRunsInONNXRuntime), this checks the import
// of the same operators.
func TestRoundTrip(t *testing.T) {
	for ci, tc := range exportCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.noImport != "" {
				t.Skip(tc.noImport)
			}
			rng := rand.New(rand.NewPCG(uint64(ci), 9))
			model := tc.model(t)
			randomize(model, rng)
			var buf bytes.Buffer
			if err := onnx.Encode(&buf, model); err != nil {
				t.Fatal(err)
			}
			back, err := onnx.Decode(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := back.OutputNames(), outputNames(model); !slices.Equal(got, want) {
				t.Errorf("output names %v, want %v", got, want)
			}
			names, shapes := inputShapes(model)
			if got := back.InputNames(); !slices.Equal(got, names) {
				t.Errorf("input names %v, want %v", got, names)
			}
			xs := make([]*tensor.Tensor, len(shapes))
			for i, s := range shapes {
				x := tensor.Zeros(append([]int{5}, s...)...)
				for b := range 5 {
					if tc.padded {
						n := len(x.Data()) / 5
						padPattern(rng, tc.ints, b, s[0], x.Data()[b*n:(b+1)*n])
					}
				}
				for j := range x.Data() {
					if tc.padded {
						break
					}
					if tc.ints > 0 {
						x.Data()[j] = float32(rng.IntN(tc.ints))
					} else {
						x.Data()[j] = float32(rng.Float64()*2 - 1)
					}
				}
				xs[i] = x
			}
			want := predict(t, model, xs)
			got := predict(t, back, xs)
			for i := range want {
				if !slices.Equal(got[i].Shape(), want[i].Shape()) {
					t.Fatalf("output %d: shape %v, want %v", i, got[i].Shape(), want[i].Shape())
				}
				for j, w := range want[i].Data() {
					if d := math.Abs(float64(got[i].Data()[j] - w)); !(d <= 1e-5*max(1, math.Abs(float64(w)))) {
						t.Fatalf("output %d[%d]: %v, want %v", i, j, got[i].Data()[j], w)
					}
				}
			}
		})
	}
}

var _ = models.Silent
