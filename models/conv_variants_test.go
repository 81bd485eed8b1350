package models_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// convVariantModels are models with the convolution layers besides the
// plain Conv2D, with the summary rows Keras 3 prints for them (names from
// to_snake_case, output shapes and parameter counts by Keras's formulas).
func convVariantModels() []struct {
	name  string
	build func() *models.Sequential
	in    []int
	rows  [][3]string
} {
	return []struct {
		name  string
		build func() *models.Sequential
		in    []int
		rows  [][3]string
	}{
		{"sequences", func() *models.Sequential {
			return models.NewSequential(
				&layers.Input{Shape: []int{28, 28}},
				&layers.Conv1D{Filters: 8, KernelSize: 3, Padding: "causal", DilationRate: 2, Activation: activations.ReLU},
				&layers.Conv1D{Filters: 8, KernelSize: 3, Strides: 2, Groups: 2},
				&layers.GlobalAveragePooling1D{},
				&layers.Dense{Units: 10, Activation: activations.Softmax},
			)
		}, []int{28, 28}, [][3]string{
			{"conv1d (Conv1D)", "(None, 28, 8)", "680"},    // 3·28·8 + 8
			{"conv1d_1 (Conv1D)", "(None, 13, 8)", "104"},  // 3·4·8 + 8
			{"global_average_pooling1d", "(None, 8)", "0"}, // the class name wraps to a second line
			{"dense (Dense)", "(None, 10)", "90"},          // 8·10 + 10
		}},
		{"images", func() *models.Sequential {
			return models.NewSequential(
				&layers.Input{Shape: []int{28, 28, 1}},
				&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, DilationRate: [2]int{2, 2}, Activation: activations.ReLU},
				&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Groups: 4, Strides: [2]int{2, 2}, Padding: "same", Activation: activations.ReLU},
				&layers.DepthwiseConv2D{KernelSize: [2]int{3, 3}, DepthMultiplier: 2, Padding: "same", Activation: activations.ReLU},
				&layers.SeparableConv2D{Filters: 16, KernelSize: [2]int{3, 3}, Activation: activations.ReLU},
				&layers.MaxPooling2D{},
				&layers.Flatten{},
				&layers.Dense{Units: 10, Activation: activations.Softmax},
			)
		}, []int{28, 28, 1}, [][3]string{
			{"conv2d (Conv2D)", "(None, 24, 24, 8)", "80"},    // 3·3·1·8 + 8
			{"conv2d_1 (Conv2D)", "(None, 12, 12, 8)", "152"}, // 3·3·2·8 + 8
			{"depthwise_conv2d", "(None, 12, 12, 16)", "160"}, // 3·3·8·2 + 16
			{"(DepthwiseConv2D)", "", ""},                     // the class name's line
			{"separable_conv2d", "(None, 10, 10, 16)", "416"}, // 3·3·16·1 + 16·16 + 16
			{"(SeparableConv2D)", "", ""},
			{"max_pooling2d (MaxPooling2D)", "(None, 5, 5, 16)", "0"},
			{"flatten (Flatten)", "(None, 400)", "0"},
			{"dense (Dense)", "(None, 10)", "4,010"}, // 400·10 + 10
		}},
		{"an encoder and a decoder", func() *models.Sequential {
			return models.NewSequential(
				&layers.Input{Shape: []int{28, 28, 1}},
				&layers.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", Activation: activations.ReLU},
				&layers.Conv2DTranspose{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", Activation: activations.ReLU},
				&layers.Conv2DTranspose{Filters: 2, KernelSize: [2]int{2, 2}, Strides: [2]int{3, 3}, OutputPadding: []int{1, 0}},
				&layers.GlobalMaxPooling2D{},
				&layers.Dense{Units: 10, Activation: activations.Softmax},
			)
		}, []int{28, 28, 1}, [][3]string{
			{"conv2d (Conv2D)", "(None, 14, 14, 4)", "40"},    // 3·3·1·4 + 4
			{"conv2d_transpose", "(None, 28, 28, 4)", "148"},  // 14·2; 3·3·4·4 + 4
			{"(Conv2DTranspose)", "", ""},                     // the class name's line
			{"conv2d_transpose_1", "(None, 84, 83, 2)", "34"}, // 27·3 + 2 + {1, 0}; 2·2·2·4 + 2
			{"dense (Dense)", "(None, 10)", "30"},             // 2·10 + 10
		}},
	}
}

// summaryRow is a row of Keras 3's summary table at 76 columns.
func summaryRow(r [3]string) string {
	return fmt.Sprintf("│ %-31s │ %-22s │ %13s │", r[0], r[1], r[2])
}

// TestConvVariantsSummary checks the summary rows of the convolution
// layers.
func TestConvVariantsSummary(t *testing.T) {
	for _, c := range convVariantModels() {
		var buf bytes.Buffer
		if err := c.build().SummaryTo(&buf, 0); err != nil {
			t.Fatal(err)
		}
		for _, r := range c.rows {
			if want := summaryRow(r); !strings.Contains(buf.String(), want) {
				t.Errorf("%s: summary lacks\n%s\n%s", c.name, want, buf.String())
			}
		}
	}
}

// TestConvVariantsFitSaveLoad fits each model, saves and loads it, and
// checks the loaded model predicts the same bits; then checks that a
// steady-state training step allocates nothing.
func TestConvVariantsFitSaveLoad(t *testing.T) {
	for _, c := range convVariantModels() {
		t.Run(c.name, func(t *testing.T) {
			m := c.build()
			compileAdam(t, m, optimizers.NewAdam())
			x, y := images(3, 64, len(c.in) == 3)
			if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := saving.Save(m, path); err != nil {
				t.Fatal(err)
			}
			got, err := saving.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			p1, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			p2, err := got.Predict(x, models.PredictConfig{Verbose: models.Silent})
			if err != nil {
				t.Fatal(err)
			}
			if i := sameBits(p1.Data(), p2.Data()); i >= 0 {
				t.Errorf("loaded model: prediction %d differs", i)
			}

			m = c.build()
			if err := course.Compile(m); err != nil {
				t.Fatal(err)
			}
			arena := tensor.NewArena()
			xb := tensor.Zeros(append([]int{32}, c.in...)...).InArena(arena)
			yb := tensor.Zeros(32)
			for i := range xb.Data() {
				xb.Data()[i] = float32(i%251) / 251
			}
			for i := range yb.Data() {
				yb.Data()[i] = float32(i % 10)
			}
			step := func() {
				m.TrainStep(xb, yb)
				arena.Reset()
			}
			step()
			if allocs := testing.AllocsPerRun(10, step); allocs != 0 {
				t.Errorf("a training step allocates %v times, want 0", allocs)
			}
		})
	}
}
