package course_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

// TestSummaries checks the course's three summaries against Keras 3's
// (models a, b and c of the Keras reference, 88 columns wide).
func TestSummaries(t *testing.T) {
	cases := []struct {
		name   string
		model  *models.Sequential
		golden string
	}{
		{"mnist", course.MNISTDNN(), "../summary/testdata/model_a_88.golden"},
		{"fashion dnn", course.FashionDNN(), "../summary/testdata/model_b_88.golden"},
		{"fashion cnn", course.FashionCNN(), "../summary/testdata/model_c_88.golden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := os.ReadFile(c.golden)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := c.model.SummaryTo(&buf, 88); err != nil {
				t.Fatal(err)
			}
			if buf.String() != string(want) {
				t.Errorf("summary:\n%s\nwant:\n%s", buf.String(), want)
			}
		})
	}
}

// load returns the first n training and m test examples of a data set,
// scaled to [0, 1]; the test is skipped only if the files cannot be found.
func load(t *testing.T, loader func() (datasets.Uint8Array, datasets.Uint8Array, datasets.Uint8Array, datasets.Uint8Array, error), n, m int) (x, y, xt, yt *tensor.Tensor) {
	t.Helper()
	xTrain, yTrain, xTest, yTest, err := loader()
	if errors.Is(err, datasets.ErrNotFound) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	x = xTrain.Tensor().Slice(0, n).DivScalar(255)
	xt = xTest.Tensor().Slice(0, m).DivScalar(255)
	return x, yTrain.Tensor().Slice(0, n), xt, yTest.Tensor().Slice(0, m)
}

// fitAndScore trains m for the given epochs and returns the test accuracy.
func fitAndScore(t *testing.T, m *models.Sequential, x, y, xt, yt *tensor.Tensor, epochs int) float64 {
	t.Helper()
	m.Out = &bytes.Buffer{}
	if err := course.Compile(m); err != nil {
		t.Fatal(err)
	}
	h, err := m.Fit(x, y, models.FitConfig{Epochs: epochs, ValidationData: &models.Data{X: xt, Y: yt}})
	if err != nil {
		t.Fatal(err)
	}
	if l := h.History["loss"]; l[len(l)-1] >= l[0] {
		t.Errorf("training loss did not fall: %v", l)
	}
	if out := m.Out.(*bytes.Buffer).String(); !strings.Contains(out, " - val_accuracy: ") {
		t.Errorf("progress output has no validation values:\n%s", out)
	}
	got, err := m.Evaluate(xt, yt, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	return got["accuracy"]
}

// TestMNISTSlice trains the course's MNIST model on 3,000 real images for
// two epochs; it must classify held-out test images well above chance.
func TestMNISTSlice(t *testing.T) {
	x, y, xt, yt := load(t, mnist.LoadData, 3000, 1000)
	if acc := fitAndScore(t, course.MNISTDNN(), x, y, xt, yt, 2); acc < 0.88 {
		t.Errorf("test accuracy %.4f after 2 epochs on 3,000 images, want >= 0.88", acc)
	}
}

// TestFashionDNNSlice does the same for the Fashion-MNIST DNN with Dropout.
func TestFashionDNNSlice(t *testing.T) {
	x, y, xt, yt := load(t, fashionmnist.LoadData, 3000, 1000)
	if acc := fitAndScore(t, course.FashionDNN(), x, y, xt, yt, 2); acc < 0.72 {
		t.Errorf("test accuracy %.4f after 2 epochs on 3,000 images, want >= 0.72", acc)
	}
}

// TestFashionCNNSlice does the same for the CNN, on (28, 28, 1) images.
func TestFashionCNNSlice(t *testing.T) {
	x, y, xt, yt := load(t, fashionmnist.LoadData, 2000, 500)
	x, xt = x.Reshape(-1, 28, 28, 1), xt.Reshape(-1, 28, 28, 1)
	if acc := fitAndScore(t, course.FashionCNN(), x, y, xt, yt, 2); acc < 0.65 {
		t.Errorf("test accuracy %.4f after 2 epochs on 2,000 images, want >= 0.65", acc)
	}
}
