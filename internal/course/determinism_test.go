package course_test

import (
	"bytes"
	"math"
	"runtime"
	"testing"

	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

// TestSameWeightsWhateverTheCores trains the course's CNN and Dropout DNN on
// a slice of Fashion-MNIST with GOMAXPROCS 1 and 2 and requires
// bit-identical weights: products and elementwise passes are split across
// cores without changing any sum's order.
func TestSameWeightsWhateverTheCores(t *testing.T) {
	x, y, _, _ := load(t, fashionmnist.LoadData, 256, 1)
	cases := []struct {
		name  string
		model func() *models.Sequential
		x     *tensor.Tensor
	}{
		{"fashion dnn", course.FashionDNN, x},
		{"fashion cnn", course.FashionCNN, x.Reshape(-1, 28, 28, 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got [2][]float32
			for i, procs := range []int{1, 2} {
				old := runtime.GOMAXPROCS(procs)
				m := c.model()
				m.SetSeed(3)
				m.Out = &bytes.Buffer{}
				if err := course.Compile(m); err != nil {
					t.Fatal(err)
				}
				if _, err := m.Fit(c.x, y, models.FitConfig{Epochs: 1, Verbose: models.Silent}); err != nil {
					t.Fatal(err)
				}
				runtime.GOMAXPROCS(old)
				for _, w := range m.Weights() {
					got[i] = append(got[i], w.Data()...)
				}
			}
			for j := range got[0] {
				if math.Float32bits(got[0][j]) != math.Float32bits(got[1][j]) {
					t.Fatalf("weight value %d differs: %v with 1 core, %v with 2", j, got[0][j], got[1][j])
				}
			}
		})
	}
}
