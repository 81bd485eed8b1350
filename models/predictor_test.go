package models_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

// mixedModel is a functional model of two inputs and two outputs that
// exercises what a Predictor's copies of the network must keep apart: a
// Conv2D with a BatchNormalization folded into it, an Embedding whose mask
// an LSTM honours, a nested model, a Concatenate and a Dropout.
func mixedModel(t testing.TB) *models.Model {
	t.Helper()
	ex := models.Input([]int{6}, "features")
	eh := models.Apply(&layers.Dense{Units: 5, Activation: activations.Tanh}, ex)
	enc, err := models.NewModel([]*models.Node{ex}, []*models.Node{eh})
	if err != nil {
		t.Fatal(err)
	}
	img := models.Input([]int{8, 8, 1}, "img")
	tok := models.Input([]int{5}, "tokens")
	feat := models.Input([]int{6}, "features")
	h := models.Apply(&layers.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}}, img)
	h = models.Apply(&layers.BatchNormalization{}, h)
	h = models.Apply(&layers.ReLU{}, h)
	h = models.Apply(&layers.Flatten{}, h)
	s := models.Apply(&layers.Embedding{InputDim: 9, OutputDim: 3, MaskZero: true}, tok)
	s = models.Apply(&layers.LSTM{Units: 4}, s)
	e := models.Apply(enc.AsLayer(), feat)
	c := models.Apply(&layers.Concatenate{}, h, s, e)
	c = models.Apply(&layers.Dropout{Rate: 0.5}, c)
	cls := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, c)
	reg := models.Apply(&layers.Dense{Units: 2}, c)
	m, err := models.NewModel([]*models.Node{img, tok, feat}, []*models.Node{cls, reg})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(3)
	// Moving statistics away from 0 and 1, so that the folded
	// normalization is not the identity.
	for _, w := range m.NamedWeights() {
		if strings.Contains(w.Name, "moving") || strings.Contains(w.Name, "gamma") {
			for i := range w.Value.Data() {
				w.Value.Data()[i] = 0.5 + float32(i)/7
			}
		}
	}
	return m
}

// mixedInputs returns n random examples for mixedModel: tokens are
// indices in [0, 9) with trailing padding.
func mixedInputs(seed uint64, n int) []*tensor.Tensor {
	r := rand.New(rand.NewPCG(seed, 2))
	img, tok, feat := tensor.Zeros(n, 8, 8, 1), tensor.Zeros(n, 5), tensor.Zeros(n, 6)
	for i := range img.Data() {
		img.Data()[i] = r.Float32()
	}
	for i := range n {
		l := 1 + r.IntN(5)
		for j := range l {
			tok.Data()[i*5+j] = float32(1 + r.IntN(8))
		}
	}
	for i := range feat.Data() {
		feat.Data()[i] = float32(r.NormFloat64())
	}
	return []*tensor.Tensor{img, tok, feat}
}

// predictRef is the model's own Predict with the Predictor's default
// batch size.
func predictRef(t *testing.T, m *models.Model, x []*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	arrays := make([]models.Array, len(x))
	for i, t := range x {
		arrays[i] = t
	}
	out, err := m.Predict(arrays, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameBitsAll fails unless got and want are equal bit for bit.
func sameBitsAll(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %v, Predict gives %v", what, i, got[i], want[i])
		}
	}
}

// TestPredictorConcurrentMatchesPredict runs many goroutines through one
// Predictor of a Sequential and of a multi-input, multi-output functional
// model, at several batch sizes, and checks every output bit for bit
// against the model's own Predict (computed before, one call at a time).
// Run with -race, it also checks that the calls share no mutable state.
func TestPredictorConcurrentMatchesPredict(t *testing.T) {
	sizes := []int{1, 3, 32, 45}
	type job struct {
		x    []*tensor.Tensor
		want []*tensor.Tensor
	}
	cases := []struct {
		name string
		make func(t *testing.T) (*models.Predictor, []job)
	}{
		{"sequential with batch normalization", func(t *testing.T) (*models.Predictor, []job) {
			m := foldCNN()
			var jobs []job
			for i, n := range sizes {
				x, _ := images(uint64(i), n, true)
				want, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
				if err != nil {
					t.Fatal(err)
				}
				jobs = append(jobs, job{[]*tensor.Tensor{x}, []*tensor.Tensor{want}})
			}
			p, err := m.NewPredictor(models.PredictorConfig{})
			if err != nil {
				t.Fatal(err)
			}
			return p, jobs
		}},
		{"mnist dnn", func(t *testing.T) (*models.Predictor, []job) {
			m := course.MNISTDNN()
			var jobs []job
			for i, n := range sizes {
				x, _ := images(uint64(i), n, false)
				want, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
				if err != nil {
					t.Fatal(err)
				}
				jobs = append(jobs, job{[]*tensor.Tensor{x}, []*tensor.Tensor{want}})
			}
			p, err := m.NewPredictor(models.PredictorConfig{})
			if err != nil {
				t.Fatal(err)
			}
			return p, jobs
		}},
		{"functional, three inputs and two outputs", func(t *testing.T) (*models.Predictor, []job) {
			m := mixedModel(t)
			var jobs []job
			for i, n := range sizes {
				x := mixedInputs(uint64(i), n)
				jobs = append(jobs, job{x, predictRef(t, m, x)})
			}
			p, err := m.NewPredictor(models.PredictorConfig{})
			if err != nil {
				t.Fatal(err)
			}
			return p, jobs
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, jobs := tc.make(t)
			const goroutines, rounds = 12, 4
			errs := make(chan error, goroutines)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for r := range rounds {
						j := jobs[(g+r)%len(jobs)]
						got, err := p.Predict(context.Background(), j.x...)
						if err != nil {
							errs <- err
							return
						}
						for o := range got {
							for i, v := range got[o].Data() {
								if math.Float32bits(v) != math.Float32bits(j.want[o].Data()[i]) {
									errs <- fmt.Errorf("goroutine %d, batch %d, output %d, value %d: %v, Predict gives %v", g, j.x[0].Dim(0), o, i, v, j.want[o].Data()[i])
									return
								}
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// TestPredictorBatchSize checks that the Predictor's batches are
// Predict's: with BatchSize 8 a call of 20 examples gives what Predict
// with BatchSize 8 gives, and one batch of all of them (negative
// BatchSize) what Predict with BatchSize 20 gives.
func TestPredictorBatchSize(t *testing.T) {
	m := foldCNN()
	x, _ := images(5, 20, true)
	for _, bs := range []int{8, -1} {
		predictBS := bs
		if bs < 0 {
			predictBS = 20
		}
		want, err := m.Predict(x, models.PredictConfig{BatchSize: predictBS, Verbose: models.Silent})
		if err != nil {
			t.Fatal(err)
		}
		p, err := m.NewPredictor(models.PredictorConfig{BatchSize: bs})
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Predict(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		sameBitsAll(t, fmt.Sprintf("BatchSize %d", bs), got[0].Data(), want.Data())
	}
}

// TestPredictIntoDoesNotAllocate checks that a steady-state call of a
// fixed batch size, given its output buffers, makes no heap allocation.
func TestPredictIntoDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	for _, tc := range courseModels {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.build()
			if err := m.Build(tc.in...); err != nil {
				t.Fatal(err)
			}
			p, err := m.NewPredictor(models.PredictorConfig{})
			if err != nil {
				t.Fatal(err)
			}
			x, _ := images(1, 32, len(tc.in) == 3)
			in := [][]float32{x.Data()}
			out := [][]float32{make([]float32, 32*10)}
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			call := func() {
				if err := p.PredictInto(ctx, 32, in, out); err != nil {
					t.Fatal(err)
				}
			}
			call()
			if allocs := testing.AllocsPerRun(10, call); allocs != 0 {
				t.Errorf("PredictInto allocates %v times per call, want 0", allocs)
			}
		})
	}
	t.Run("functional", func(t *testing.T) {
		p, err := mixedModel(t).NewPredictor(models.PredictorConfig{})
		if err != nil {
			t.Fatal(err)
		}
		x := mixedInputs(1, 7)
		in := [][]float32{x[0].Data(), x[1].Data(), x[2].Data()}
		out := [][]float32{make([]float32, 7*3), make([]float32, 7*2)}
		call := func() {
			if err := p.PredictInto(context.Background(), 7, in, out); err != nil {
				t.Fatal(err)
			}
		}
		call()
		if allocs := testing.AllocsPerRun(10, call); allocs != 0 {
			t.Errorf("PredictInto allocates %v times per call, want 0", allocs)
		}
	})
}

// TestPredictorContext checks that a cancelled or expired context stops a
// call with the context's error.
func TestPredictorContext(t *testing.T) {
	p, err := course.MNISTDNN().NewPredictor(models.PredictorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := images(1, 4, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Predict(ctx, x); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := p.Predict(ctx, x); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("expired deadline: got %v, want context.DeadlineExceeded", err)
	}
	// The Predictor still works after a cancelled call.
	if _, err := p.Predict(context.Background(), x); err != nil {
		t.Errorf("after a cancelled call: %v", err)
	}
}

// TestPredictorErrors checks that wrong input counts, shapes and buffer
// sizes are errors naming the argument and the values.
func TestPredictorErrors(t *testing.T) {
	p, err := mixedModel(t).NewPredictor(models.PredictorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	x := mixedInputs(1, 2)
	ctx := context.Background()
	out := [][]float32{make([]float32, 6), make([]float32, 4)}
	in := [][]float32{x[0].Data(), x[1].Data(), x[2].Data()}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"too few tensors", func() error { _, err := p.Predict(ctx, x[0], x[1]); return err }(), "got 2 input tensors, the model has 3 inputs (img, tokens, features)"},
		{"wrong shape", func() error { _, err := p.Predict(ctx, x[0], x[2], x[2]); return err }(), "input 1 (tokens) has shape (2, 6), the model takes (None, 5)"},
		{"different batch sizes", func() error { _, err := p.Predict(ctx, x[0], x[1], tensor.Zeros(3, 6)); return err }(), "input 2 (features) has 3 examples, input 0 (img) has 2"},
		{"nil tensor", func() error { _, err := p.Predict(ctx, x[0], nil, x[2]); return err }(), "input 1 (tokens) is nil"},
		{"zero batch", p.PredictInto(ctx, 0, in, out), "batch must be positive, got 0"},
		{"short input", p.PredictInto(ctx, 3, in, out), "inputs[0] (img) has 128 values, want 192 (batch 3 × shape (8, 8, 1))"},
		{"short output", p.PredictInto(ctx, 2, in, [][]float32{out[0], out[1][:3]}), "outputs[1] (dense_1) has room for 3 values, want 4 (batch 2 × shape (2,))"},
		{"missing output", p.PredictInto(ctx, 2, in, out[:1]), "got 1 outputs, the model has 2 (dense, dense_1)"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, tc.err, tc.want)
		}
	}
}

// TestPredictorModelChanged checks that training the model after making
// a Predictor makes the Predictor refuse to answer, and that a new
// Predictor gives the trained model's Predict.
func TestPredictorModelChanged(t *testing.T) {
	m := course.MNISTDNN()
	if err := course.Compile(m); err != nil {
		t.Fatal(err)
	}
	x, y := images(2, 16, false)
	p, err := m.NewPredictor(models.PredictorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := p.Predict(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 1, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Predict(context.Background(), x); !errors.Is(err, models.ErrModelChanged) {
		t.Fatalf("after Fit: got %v, want ErrModelChanged", err)
	}
	want, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m.NewPredictor(models.PredictorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p2.Predict(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	sameBitsAll(t, "new Predictor after Fit", got[0].Data(), want.Data())
	if sameBits(got[0].Data(), before[0].Data()) == len(want.Data()) {
		t.Error("Fit changed no prediction: the test shows nothing")
	}
}

// TestPredictorRefusesStateful checks that a model whose recurrent layer
// keeps its states between batches has no Predictor.
func TestPredictorRefusesStateful(t *testing.T) {
	m := models.NewSequential(&layers.Input{Shape: []int{4, 3}}, &layers.LSTM{Units: 2, Stateful: true})
	if _, err := m.NewPredictor(models.PredictorConfig{}); err == nil || !strings.Contains(err.Error(), "stateful") {
		t.Errorf("got %v, want an error saying the layer is stateful", err)
	}
	if _, err := models.NewSequential(&layers.Dense{Units: 2}).NewPredictor(models.PredictorConfig{}); err == nil || !strings.Contains(err.Error(), "not built") {
		t.Errorf("unbuilt model: got %v, want an error saying it is not built", err)
	}
}

// BenchmarkPredictor compares the Predictor with the model's Predict on
// the course's MNIST network at batch 32, from one goroutine and from two
// (Predict must then be serialised by a lock).
func BenchmarkPredictor(b *testing.B) {
	m := course.MNISTDNN()
	if err := m.Build(28, 28); err != nil {
		b.Fatal(err)
	}
	x, _ := images(1, 32, false)
	for _, goroutines := range []int{1, 2} {
		b.Run(fmt.Sprintf("Predict/goroutines=%d", goroutines), func(b *testing.B) {
			var mu sync.Mutex
			runParallel(b, goroutines, func() func() {
				return func() {
					mu.Lock()
					_, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
					mu.Unlock()
					if err != nil {
						b.Error(err)
					}
				}
			})
		})
		b.Run(fmt.Sprintf("Predictor/goroutines=%d", goroutines), func(b *testing.B) {
			p, err := m.NewPredictor(models.PredictorConfig{})
			if err != nil {
				b.Fatal(err)
			}
			runParallel(b, goroutines, func() func() {
				in, out := [][]float32{x.Data()}, [][]float32{make([]float32, 320)}
				return func() {
					if err := p.PredictInto(context.Background(), 32, in, out); err != nil {
						b.Error(err)
					}
				}
			})
		})
	}
}

// runParallel runs b.N calls in all, shared among g goroutines, each
// calling the function newF made for it.
func runParallel(b *testing.B, g int, newF func() func()) {
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	var mu sync.Mutex
	left := b.N
	for range g {
		f := newF()
		wg.Go(func() {
			for {
				mu.Lock()
				if left == 0 {
					mu.Unlock()
					return
				}
				left--
				mu.Unlock()
				f()
			}
		})
	}
	wg.Wait()
}
