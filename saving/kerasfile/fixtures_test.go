package kerasfile_test

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/saving/kerasfile"
	"github.com/neuron-go/neuron/tensor"
)

// expected holds the outputs gen/expected.py computed with NumPy from the
// fixtures' weights as h5py reads them.
type expectedCase struct {
	InputShape    []int     `json:"input_shape"`
	Input         []float32 `json:"input"`
	Output        []float64 `json:"output"`
	Iterations    int       `json:"iterations"`
	FirstMomentum float64   `json:"first_momentum"`
	LastVelocity  float64   `json:"last_velocity"`
}

func expected(t *testing.T, name string) expectedCase {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Cases map[string]expectedCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	c, ok := e.Cases[name]
	if !ok {
		t.Fatalf("no case %s", name)
	}
	return c
}

func predictAll(t *testing.T, m saving.Model, x *tensor.Tensor) []float32 {
	t.Helper()
	switch m := m.(type) {
	case *models.Sequential:
		y, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		return y.Data()
	case *models.Model:
		y, err := m.Predict([]models.Array{x}, models.PredictConfig{Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		return y[0].Data()
	}
	t.Fatalf("model %T", m)
	return nil
}

func checkClose(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs, want %d", name, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); d > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s: output %d = %v, want %v (NumPy)", name, i, got[i], want[i])
		}
	}
}

// TestKerasWrittenH5 loads tf.keras 2's model.save of an MNIST MLP and
// checks its predictions and restored Adam state against NumPy's.
func TestKerasWrittenH5(t *testing.T) {
	e := expected(t, "kotlindl_mnist")
	m, err := kerasfile.Load("testdata/kotlindl_mnist.h5")
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, "kotlindl_mnist", predictAll(t, m, tensor.FromSlice(e.Input, e.InputShape...)), e.Output, 1e-5)
	// The model keeps the file's initializers (it is built without
	// drawing weights, then given them back).
	mc, err := saving.ModelConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(mc), `"kernel_initializer":{"class_name":"GlorotUniform"`); n != 2 {
		t.Errorf("%d kernels with GlorotUniform, want 2: %s", n, mc)
	}
	if m.Optimizer() == nil || m.Optimizer().Name() != "adam" {
		t.Fatalf("optimizer %v, want adam from training_config", m.Optimizer())
	}
	st, err := m.TrainingState()
	if err != nil {
		t.Fatal(err)
	}
	if st.Optimizer == nil || st.Optimizer.Iterations != e.Iterations {
		t.Fatalf("optimizer state %+v, want %d iterations", st.Optimizer, e.Iterations)
	}
	if len(st.Optimizer.Slots) != 2 || st.Optimizer.Slots[0].Name != "momentum" || st.Optimizer.Slots[1].Name != "velocity" {
		t.Fatalf("slots %v", st.Optimizer.Slots)
	}
	if g := float64(st.Optimizer.Slots[0].Values[0][0]); g != e.FirstMomentum {
		t.Errorf("first momentum %v, want %v", g, e.FirstMomentum)
	}
	v := st.Optimizer.Slots[1].Values
	if g := float64(v[len(v)-1][len(v[len(v)-1])-1]); math.Abs(g-e.LastVelocity) > 1e-12 {
		t.Errorf("last velocity %v, want %v", g, e.LastVelocity)
	}
}

// TestKerasWrittenWeights builds Keras 2's to_json architectures and
// loads their save_weights files: recurrent layers (three LSTMs) and
// convolutions with BatchNormalization's moving statistics.
func TestKerasWrittenWeights(t *testing.T) {
	for _, name := range []string{"kotlindl_lstm", "kotlindl_batchnorm"} {
		e := expected(t, name)
		cfg, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m, err := kerasfile.FromJSON(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := kerasfile.LoadWeights(m, "testdata/"+name+".weights.h5"); err != nil {
			t.Fatal(err)
		}
		checkClose(t, name, predictAll(t, m, tensor.FromSlice(e.Input, e.InputShape...)), e.Output, 1e-4)
	}
}
