package saving_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// images returns n random 28×28 "images" with pixel values in [0, 1) and
// labels 0..9, shaped for the dense models or, with channel, the CNN.
func images(seed uint64, n int, channel bool) (x, y *tensor.Tensor) {
	rng := rand.New(rand.NewPCG(seed, 7))
	shape := []int{n, 28, 28}
	if channel {
		shape = append(shape, 1)
	}
	x, y = tensor.Zeros(shape...), tensor.Zeros(n)
	for i := range x.Data() {
		x.Data()[i] = rng.Float32()
	}
	for i := range y.Data() {
		y.Data()[i] = float32(rng.IntN(10))
	}
	return x, y
}

// weightsSHA256 hashes a model's weights bit for bit.
func weightsSHA256(m *models.Sequential) string {
	h := sha256.New()
	var b [4]byte
	for _, w := range m.Weights() {
		for _, v := range w.Data() {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sameBits(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

func predict(t *testing.T, m *models.Sequential, x *tensor.Tensor) []float32 {
	t.Helper()
	p, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	return p.Data()
}

func summary(t *testing.T, m *models.Sequential) string {
	t.Helper()
	var b bytes.Buffer
	if err := m.SummaryTo(&b, 0); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRoundTripCourseModels saves the three course models after a little
// training and checks that the loaded models predict bit for bit the same,
// have the same summary and the same compile settings.
func TestRoundTripCourseModels(t *testing.T) {
	cases := []struct {
		name    string
		model   func() *models.Sequential
		channel bool
	}{
		{"MNISTDNN", course.MNISTDNN, false},
		{"FashionDNN", course.FashionDNN, false},
		{"FashionCNN", course.FashionCNN, true},
		{"every layer", func() *models.Sequential {
			return models.NewSequential(
				&layers.Input{Shape: []int{28, 28, 1}},
				&layers.Reshape{TargetShape: []int{14, 56, -1}},
				&layers.Conv2D{Filters: 3, KernelSize: [2]int{3, 2}, Strides: [2]int{2, 1}, Padding: "same", NoBias: true,
					KernelInitializer: initializers.HeNormal{}, KernelRegularizer: layers.L2(0.01)},
				&layers.MaxPooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"},
				&layers.Flatten{},
				&layers.Dropout{Rate: 0.25, Seed: 5},
				&layers.Dense{Units: 10, Activation: activations.Softmax, BiasInitializer: initializers.Constant{Value: 0.1},
					BiasRegularizer: layers.L1L2{L1: 0.001, L2: 0.002}},
			)
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.model()
			m.Out = &bytes.Buffer{}
			m.SetSeed(3)
			if err := course.Compile(m); err != nil {
				t.Fatal(err)
			}
			x, y := images(1, 64, c.channel)
			if _, err := m.Fit(x, y, models.FitConfig{Epochs: 1, BatchSize: 16, Verbose: models.Silent}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "model.safetensors")
			if err := saving.Save(m, path); err != nil {
				t.Fatal(err)
			}
			got, err := saving.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			got.Out = &bytes.Buffer{}
			xt, _ := images(2, 40, c.channel)
			if i := sameBits(predict(t, m, xt), predict(t, got, xt)); i >= 0 {
				t.Fatalf("predictions differ at %d", i)
			}
			if a, b := summary(t, m), summary(t, got); a != b {
				t.Errorf("summaries differ:\n%s\n%s", a, b)
			}
			if weightsSHA256(m) != weightsSHA256(got) {
				t.Errorf("weights differ")
			}
			if got.Optimizer() == nil || got.Optimizer().Name() != "adam" || got.Optimizer().Iterations() != m.Optimizer().Iterations() {
				t.Errorf("optimizer not restored: %v", got.Optimizer())
			}
			// Saving the loaded model gives the same bytes.
			path2 := filepath.Join(t.TempDir(), "again.safetensors")
			if err := saving.Save(got, path2); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(path)
			b, _ := os.ReadFile(path2)
			if !bytes.Equal(a, b) {
				t.Errorf("saving the loaded model gave different bytes")
			}
		})
	}
}

// dropoutModel is a small model with Dropout, so that continuing training
// depends on the random state too.
func dropoutModel() *models.Sequential {
	m := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 16, Activation: activations.ReLU},
		&layers.Dropout{Rate: 0.3},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	m.Out = &bytes.Buffer{}
	m.SetSeed(11)
	return m
}

func compileAdam(t *testing.T, m *models.Sequential, opt optimizers.Optimizer) {
	t.Helper()
	err := m.Compile(models.CompileConfig{
		Optimizer: opt,
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestContinueTraining checks that training 2 epochs, saving, loading and
// training 2 more gives the weights of 4 epochs in one go, bit for bit, for
// every optimizer.
func TestContinueTraining(t *testing.T) {
	x, y := images(5, 96, false)
	opts := map[string]func() optimizers.Optimizer{
		"adam":     func() optimizers.Optimizer { return optimizers.NewAdam() },
		"adamw":    func() optimizers.Optimizer { return optimizers.NewAdamW() },
		"sgd":      func() optimizers.Optimizer { return &optimizers.SGD{LearningRate: 0.1, Momentum: 0.9, Nesterov: true} },
		"rmsprop":  func() optimizers.Optimizer { return &optimizers.RMSprop{Momentum: 0.5, Centered: true} },
		"adagrad":  func() optimizers.Optimizer { return optimizers.NewAdagrad() },
		"nadam":    func() optimizers.Optimizer { return optimizers.NewNadam() },
		"adamax":   func() optimizers.Optimizer { return optimizers.NewAdamax() },
		"adadelta": func() optimizers.Optimizer { return &optimizers.Adadelta{LearningRate: 1} },
		"lion":     func() optimizers.Optimizer { return optimizers.NewLion() },
		"ftrl": func() optimizers.Optimizer {
			return &optimizers.Ftrl{LearningRate: 0.05, L1RegularizationStrength: 0.001, L2RegularizationStrength: 0.01, Beta: 0.1}
		},
		"scheduled": func() optimizers.Optimizer {
			return optimizers.WithSchedule(optimizers.NewAdam(), optimizers.ExponentialDecay{InitialLearningRate: 0.01, DecaySteps: 5, DecayRate: 0.5})
		},
		// The rate reaches 0 before the save.
		"cosine to 0": func() optimizers.Optimizer {
			return optimizers.WithSchedule(optimizers.NewSGD(), optimizers.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 8})
		},
	}
	for name, opt := range opts {
		t.Run(name, func(t *testing.T) {
			fit := models.FitConfig{Epochs: 4, BatchSize: 16, Verbose: models.Silent}
			ref := dropoutModel()
			compileAdam(t, ref, opt())
			if _, err := ref.Fit(x, y, fit); err != nil {
				t.Fatal(err)
			}

			m := dropoutModel()
			compileAdam(t, m, opt())
			fit.Epochs = 2
			if _, err := m.Fit(x, y, fit); err != nil {
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
			got.Out = &bytes.Buffer{}
			fit.InitialEpoch, fit.Epochs = 2, 4
			if _, err := got.Fit(x, y, fit); err != nil {
				t.Fatal(err)
			}
			if a, b := weightsSHA256(ref), weightsSHA256(got); a != b {
				t.Errorf("continued training differs from training in one go")
			}
		})
	}
}

func TestSaveWeightsLoadWeights(t *testing.T) {
	m := dropoutModel()
	compileAdam(t, m, optimizers.NewAdam())
	x, y := images(5, 32, false)
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 1, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "w.safetensors")
	if err := saving.SaveWeights(m, path); err != nil {
		t.Fatal(err)
	}
	fresh := dropoutModel()
	fresh.SetSeed(99)
	if err := fresh.Build(); err != nil {
		t.Fatal(err)
	}
	if err := saving.LoadWeights(fresh, path); err != nil {
		t.Fatal(err)
	}
	if weightsSHA256(fresh) != weightsSHA256(m) {
		t.Errorf("weights differ after LoadWeights")
	}
	// The weights of a whole-model file load too.
	full := filepath.Join(dir, "m.safetensors")
	if err := saving.Save(m, full); err != nil {
		t.Fatal(err)
	}
	fresh.SetSeed(98)
	_ = fresh.Build()
	if err := saving.LoadWeights(fresh, full); err != nil {
		t.Fatal(err)
	}
	if weightsSHA256(fresh) != weightsSHA256(m) {
		t.Errorf("weights differ after LoadWeights of a model file")
	}
	// Another architecture is refused, and the weights stay.
	other := models.NewSequential(&layers.Flatten{InputShape: []int{28, 28}}, &layers.Dense{Units: 8})
	_ = other.Build()
	before := weightsSHA256(other)
	err := saving.LoadWeights(other, path)
	if err == nil || !strings.Contains(err.Error(), "dense/kernel") {
		t.Errorf("LoadWeights into another architecture: %v", err)
	}
	if weightsSHA256(other) != before {
		t.Errorf("a failed LoadWeights changed the weights")
	}
	// Load refuses a weights file with a hint.
	if _, err := saving.Load(path); err == nil || !strings.Contains(err.Error(), "LoadWeights") {
		t.Errorf("Load of a weights file: %v", err)
	}
}

func lossSCC() losses.Loss { return losses.SparseCategoricalCrossentropy{} }

// TestNamedSequentialLayers checks that names given with SetLayerName
// survive Save and Load, name the weights, and that the other layers keep
// Keras's automatic names, skipping a name given.
func TestNamedSequentialLayers(t *testing.T) {
	m := models.NewSequential(
		&layers.Dense{Units: 4, Activation: activations.ReLU, InputShape: []int{3}},
		&layers.Dense{Units: 4},
		&layers.Dense{Units: 2},
	)
	if err := m.SetLayerName(2, "output"); err != nil {
		t.Fatal(err)
	}
	if err := m.SetLayerName(0, "dense_1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	want := []string{"dense_1", "dense", "output"}
	if got := m.LayerNames(); !slices.Equal(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	if got := m.WeightNames()[4]; got != "output/kernel" {
		t.Fatalf("weight 4 is %q, want output/kernel", got)
	}
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := saving.Save(m, p); err != nil {
		t.Fatal(err)
	}
	back, err := saving.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.LayerNames(); !slices.Equal(got, want) {
		t.Fatalf("loaded names %v, want %v", got, want)
	}
	if err := m.SetLayerName(1, "late"); err == nil || !strings.Contains(err.Error(), "the model is built") {
		t.Fatalf("SetLayerName on a built model: %v", err)
	}
	bad := models.NewSequential(&layers.Dense{Units: 1}, &layers.Dense{Units: 1})
	for _, c := range []struct {
		i    int
		name string
		want string
	}{
		{2, "x", "i = 2 is out of range for 2 layers"},
		{0, "", `name "" must be non-empty`},
		{0, "a/b", `name "a/b" must be non-empty and hold no '/'`},
	} {
		if err := bad.SetLayerName(c.i, c.name); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SetLayerName(%d, %q) = %v, want an error containing %q", c.i, c.name, err, c.want)
		}
	}
	if err := bad.SetLayerName(0, "same"); err != nil {
		t.Fatal(err)
	}
	if err := bad.SetLayerName(1, "same"); err == nil || !strings.Contains(err.Error(), `layer 0 is already named "same"`) {
		t.Errorf("a second layer named same: %v", err)
	}
}
