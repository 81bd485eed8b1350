package kerasfile_test

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/saving/kerasfile"
	"github.com/neuron-go/neuron/tensor"
)

// bigFunctional returns a functional model whose first kernel (700×800
// values) is read in several blocks, with initializers other than the
// defaults.
func bigFunctional(t *testing.T) *models.Model {
	t.Helper()
	x := models.Input([]int{700}, "x")
	h := models.Apply(&layers.Dense{Units: 800, KernelInitializer: initializers.HeNormal{}, BiasInitializer: initializers.Ones{}}, x)
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{models.Apply(&layers.Dense{Units: 3}, h)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLoadFunctionalBlocks saves a functional model whose kernel spans
// several read blocks and loads it with one and with two goroutines: the
// predictions are the original's bit for bit, the initializers are the
// file's, and a NaN in the file is refused with the same error, naming
// the weight and index, whatever the number of goroutines.
func TestLoadFunctionalBlocks(t *testing.T) {
	m := bigFunctional(t)
	x := tensor.FromSlice(make([]float32, 2*700), 2, 700)
	for i := range x.Data() {
		x.Data()[i] = float32(i%17) / 17
	}
	want := predictAll(t, m, x)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.keras")
	if err := kerasfile.Save(m, good); err != nil {
		t.Fatal(err)
	}
	// Files with -Inf in the second block and in the last block's last
	// value.
	kernel := m.Layers()[1].Weights()[0].Value.Data()
	bads := map[int]string{}
	for _, at := range []int{1<<18 + 5, len(kernel) - 1} {
		old := kernel[at]
		kernel[at] = float32(math.Inf(-1))
		bads[at] = filepath.Join(dir, fmt.Sprintf("bad%d.keras", at))
		if err := kerasfile.Save(m, bads[at]); err != nil {
			t.Fatal(err)
		}
		kernel[at] = old
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		m2, err := kerasfile.Load(good)
		if err != nil {
			t.Fatalf("GOMAXPROCS %d: %v", procs, err)
		}
		if got := predictAll(t, m2, x); !slices.Equal(got, want) {
			t.Fatalf("GOMAXPROCS %d: predictions differ", procs)
		}
		mc, err := saving.ModelConfig(m2)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{`"kernel_initializer":{"class_name":"HeNormal"`, `"bias_initializer":{"class_name":"Ones"`, `"kernel_initializer":{"class_name":"GlorotUniform"`} {
			if !strings.Contains(string(mc), s) {
				t.Errorf("GOMAXPROCS %d: the loaded model's config lacks %s: %s", procs, s, mc)
			}
		}
		for at, p := range bads {
			_, err := kerasfile.Load(p)
			if want := fmt.Sprintf("weight dense/kernel holds -Inf at index %d", at); !errors.Is(err, kerasfile.ErrInvalid) || !strings.Contains(err.Error(), want) {
				t.Errorf("GOMAXPROCS %d: -Inf at %d: err = %v, want %q", procs, at, err, want)
			}
		}
	}
}
