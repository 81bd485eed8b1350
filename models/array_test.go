package models_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// uint8Images returns n random 6×6 uint8 "images" and uint8 labels in
// [0, classes), as a data set loader returns them.
func uint8Images(seed uint64, n, classes int) (x, y datasets.Uint8Array) {
	rng := rand.New(rand.NewPCG(seed, 11))
	x = datasets.Uint8Array{Shape: []int{n, 6, 6}, Data: make([]uint8, n*36)}
	y = datasets.Uint8Array{Shape: []int{n}, Data: make([]uint8, n)}
	for i := range y.Data {
		c := rng.IntN(classes)
		y.Data[i] = uint8(c)
		for j := 0; j < 36; j++ {
			// Some signal for the class, some noise.
			v := rng.IntN(120)
			if j%classes == c {
				v += 120
			}
			x.Data[i*36+j] = uint8(v)
		}
	}
	return x, y
}

// smallModel returns the models the comparisons train: a dense network
// with Dropout on (6, 6) images, or a CNN on (6, 6, 1).
func smallModel(t *testing.T, cnn bool) *models.Sequential {
	t.Helper()
	var m *models.Sequential
	if cnn {
		m = models.NewSequential(
			&layers.Conv2D{Filters: 3, KernelSize: [2]int{3, 3}, Activation: activations.ReLU, InputShape: []int{6, 6, 1}},
			&layers.MaxPooling2D{PoolSize: [2]int{2, 2}},
			&layers.Flatten{},
			&layers.Dense{Units: 4, Activation: activations.Softmax},
		)
	} else {
		m = models.NewSequential(
			&layers.Flatten{InputShape: []int{6, 6}},
			&layers.Dense{Units: 8, Activation: activations.ReLU},
			&layers.Dropout{Rate: 0.25},
			&layers.Dense{Units: 4, Activation: activations.Softmax},
		)
	}
	m.Out = &bytes.Buffer{}
	m.SetSeed(5)
	err := m.Compile(models.CompileConfig{
		Optimizer: &optimizers.Adam{LearningRate: 0.01},
		Loss:      lossSCC(),
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// firstBitDiff returns the index of the first value whose bits differ
// between a and b, or -1 if they are the same.
func firstBitDiff(a, b []float32) int {
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

// TestFitUint8MatchesTensor trains the same model on uint8 arrays and on
// the float32 tensors converted from them beforehand (the old way:
// xTrain.Tensor(), .DivScalar(255)), and checks that the weights, the
// history, Evaluate and Predict agree bit for bit.
func TestFitUint8MatchesTensor(t *testing.T) {
	xU8, yU8 := uint8Images(1, 103, 4) // 103 rows: a partial last batch
	xtU8, ytU8 := uint8Images(2, 29, 4)
	type arrays struct{ x, y, xt, yt models.Array }
	raw := func() (arrays, arrays) {
		return arrays{xU8, yU8, xtU8, ytU8}, arrays{xU8.Tensor(), yU8.Tensor(), xtU8.Tensor(), ytU8.Tensor()}
	}
	scaled := func() (arrays, arrays) {
		return arrays{xU8.DivScalar(255), yU8, xtU8.DivScalar(255), ytU8},
			arrays{xU8.Tensor().DivScalar(255), yU8.Tensor(), xtU8.Tensor().DivScalar(255), ytU8.Tensor()}
	}
	channels := func() (arrays, arrays) {
		x, xt := xU8.Reshape(-1, 6, 6, 1), xtU8.Reshape(-1, 6, 6, 1)
		return arrays{x.DivScalar(255), yU8, xt.DivScalar(255), ytU8},
			arrays{xU8.Tensor().Reshape(103, 6, 6, 1).DivScalar(255), yU8.Tensor(), xtU8.Tensor().Reshape(29, 6, 6, 1).DivScalar(255), ytU8.Tensor()}
	}
	mixed := func() (arrays, arrays) { // uint8 images, float32 labels
		return arrays{xU8.DivScalar(255), yU8.Tensor(), xtU8, ytU8.Tensor()},
			arrays{xU8.Tensor().DivScalar(255), yU8.Tensor(), xtU8.Tensor(), ytU8.Tensor()}
	}
	for _, c := range []struct {
		name    string
		data    func() (arrays, arrays)
		cnn     bool
		cfg     models.FitConfig
		valData bool // validate on (xt, yt)
	}{
		{"raw", raw, false, models.FitConfig{Epochs: 2, BatchSize: 16}, false},
		{"scaled", scaled, false, models.FitConfig{Epochs: 2, BatchSize: 16}, false},
		{"raw, validation split", raw, false, models.FitConfig{Epochs: 2, BatchSize: 10, ValidationSplit: 0.25}, false},
		{"scaled, validation split", scaled, false, models.FitConfig{Epochs: 3, ValidationSplit: 0.3}, false},
		{"scaled, validation split, no shuffle", scaled, false, models.FitConfig{Epochs: 2, BatchSize: 8, ValidationSplit: 0.1, NoShuffle: true}, false},
		{"scaled, validation data", scaled, false, models.FitConfig{Epochs: 2, BatchSize: 16}, true},
		{"raw, validation data", raw, false, models.FitConfig{Epochs: 2, BatchSize: 64}, true},
		{"CNN, scaled, validation data", channels, true, models.FitConfig{Epochs: 2, BatchSize: 16}, true},
		{"CNN, scaled, validation split", channels, true, models.FitConfig{Epochs: 1, BatchSize: 16, ValidationSplit: 0.2}, false},
		{"float32 labels", mixed, false, models.FitConfig{Epochs: 2, BatchSize: 16}, true},
		{"batch larger than the data", scaled, false, models.FitConfig{Epochs: 2, BatchSize: 500}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, want := c.data()
			if _, ok := want.x.(*tensor.Tensor); !ok {
				t.Fatal("the reference must be a tensor")
			}
			run := func(d arrays) (*models.Sequential, *models.History) {
				m := smallModel(t, c.cnn)
				cfg := c.cfg
				cfg.Verbose = models.Silent
				if c.valData {
					cfg.ValidationData = &models.Data{X: d.xt, Y: d.yt}
				}
				h, err := m.Fit(d.x, d.y, cfg)
				if err != nil {
					t.Fatal(err)
				}
				return m, h
			}
			mA, hA := run(a)
			mW, hW := run(want)
			if !reflect.DeepEqual(hA.History, hW.History) || !reflect.DeepEqual(hA.Epoch, hW.Epoch) || !reflect.DeepEqual(hA.Params, hW.Params) {
				t.Errorf("history differs:\n uint8  %v %v\n tensor %v %v", hA.Params, hA.History, hW.Params, hW.History)
			}
			if c.cfg.ValidationSplit > 0 || c.valData {
				if _, ok := hA.History["val_loss"]; !ok {
					t.Errorf("no val_loss in %v", hA.Keys())
				}
			}
			wA, wW := mA.Weights(), mW.Weights()
			for i := range wA {
				if j := firstBitDiff(wA[i].Data(), wW[i].Data()); j >= 0 {
					t.Fatalf("weight %d differs at %d: %v vs %v", i, j, wA[i].Data()[j], wW[i].Data()[j])
				}
			}
			// Evaluate and Predict, with a batch size that leaves a partial
			// last batch, on uint8 and on tensors, with the same model.
			for _, bs := range []int{0, 7} {
				eA, err := mA.Evaluate(a.xt, a.yt, models.EvaluateConfig{BatchSize: bs, Verbose: models.Silent})
				if err != nil {
					t.Fatal(err)
				}
				eW, err := mA.Evaluate(want.xt, want.yt, models.EvaluateConfig{BatchSize: bs, Verbose: models.Silent})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(eA, eW) {
					t.Errorf("Evaluate(batch %d): uint8 %v, tensor %v", bs, eA, eW)
				}
				pA, err := mA.Predict(a.xt, models.PredictConfig{BatchSize: bs, Verbose: models.Silent})
				if err != nil {
					t.Fatal(err)
				}
				pW, err := mA.Predict(want.xt, models.PredictConfig{BatchSize: bs, Verbose: models.Silent})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(pA.Shape(), pW.Shape()) || firstBitDiff(pA.Data(), pW.Data()) >= 0 {
					t.Errorf("Predict(batch %d) differs", bs)
				}
			}
		})
	}
}

// TestKFoldUint8MatchesTensor checks that cross-validation on uint8 arrays
// gives the folds of cross-validation on the converted tensors, and that
// those equal training by hand on copies of each fold's rows.
func TestKFoldUint8MatchesTensor(t *testing.T) {
	xU8, yU8 := uint8Images(3, 50, 4)
	newModel := func(int) (*models.Sequential, error) { return smallModel(t, false), nil }
	for _, shuffle := range []bool{false, true} {
		cfg := models.KFoldConfig{K: 3, Shuffle: shuffle, Seed: 9, Fit: models.FitConfig{Epochs: 2, BatchSize: 8, Verbose: models.Silent}}
		a, err := models.KFold(xU8.DivScalar(255), yU8, newModel, cfg)
		if err != nil {
			t.Fatal(err)
		}
		x, y := xU8.Tensor().DivScalar(255), yU8.Tensor()
		w, err := models.KFold(x, y, newModel, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, w) {
			t.Errorf("shuffle %v: uint8 %v\ntensor %v", shuffle, a.Folds, w.Folds)
		}
		if shuffle {
			continue
		}
		// Fold 1 of 3 unshuffled holds out rows 17..33.
		train := append(rows(0, 17), rows(34, 50)...)
		m := smallModel(t, false)
		fc := cfg.Fit
		fc.ValidationData = &models.Data{X: x.TakeRows(rows(17, 34)), Y: y.TakeRows(rows(17, 34))}
		h, err := m.Fit(x.TakeRows(train), y.TakeRows(train), fc)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h.History {
			if got := w.Folds[1][k]; got != v[len(v)-1] {
				t.Errorf("fold 1 %s = %v, training on a copy of its rows gives %v", k, got, v[len(v)-1])
			}
		}
	}
}

func rows(lo, hi int) []int {
	r := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		r = append(r, i)
	}
	return r
}

// TestBackupResumesAcrossForms interrupts training on a float32 tensor and
// resumes it on the uint8 array the tensor was converted from: the data
// are the same, so the backup is taken and the result is exact.
func TestBackupResumesAcrossForms(t *testing.T) {
	xU8, yU8 := uint8Images(4, 70, 4)
	fit := func(dir string, cbs ...callbacks.Callback) models.FitConfig {
		return models.FitConfig{Epochs: 2, BatchSize: 16, ValidationSplit: 0.2, Verbose: models.Silent,
			Callbacks: append([]callbacks.Callback{&saving.BackupAndRestore{Dir: dir}}, cbs...)}
	}
	ref := smallModel(t, false)
	if _, err := ref.Fit(xU8.DivScalar(255), yU8, models.FitConfig{Epochs: 2, BatchSize: 16, ValidationSplit: 0.2, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err := smallModel(t, false).Fit(xU8.Tensor().DivScalar(255), yU8.Tensor(), fit(dir, &interrupt{after: 5}))
	if !errors.Is(err, errInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	m := smallModel(t, false)
	if _, err := m.Fit(xU8.DivScalar(255), yU8, fit(dir)); err != nil {
		t.Fatal(err)
	}
	if weightsSHA256(m) != weightsSHA256(ref) {
		t.Error("the resumed run ends with other weights than the uninterrupted one")
	}
	// Other data is still refused.
	dir = t.TempDir()
	if _, err := smallModel(t, false).Fit(xU8.Tensor(), yU8.Tensor(), fit(dir, &interrupt{after: 5})); !errors.Is(err, errInterrupted) {
		t.Fatal(err)
	}
	if _, err := smallModel(t, false).Fit(xU8.DivScalar(255), yU8, fit(dir)); err == nil || !strings.Contains(err.Error(), "training data differs") {
		t.Errorf("resuming a raw-pixel backup with scaled pixels: %v", err)
	}
}

// TestBadArrays checks that malformed arrays and bad labels are errors
// naming the argument and the value, in Fit, Evaluate, Predict and KFold,
// and never panics.
func TestBadArrays(t *testing.T) {
	x, y := uint8Images(5, 10, 4)
	badLabel := datasets.Uint8Array{Shape: []int{10}, Data: append([]uint8(nil), y.Data...)}
	badLabel.Data[3] = 7
	short := datasets.Uint8Array{Shape: []int{10, 6, 6}, Data: x.Data[:359]}
	const want4 = ": want an integer class index in [0, 4)"
	type call func(m *models.Sequential) error
	fit := func(x, y models.Array, cfg models.FitConfig) call {
		return func(m *models.Sequential) error {
			cfg.Verbose = models.Silent
			_, err := m.Fit(x, y, cfg)
			return err
		}
	}
	evaluate := func(x, y models.Array) call {
		return func(m *models.Sequential) error {
			_, err := m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent})
			return err
		}
	}
	predict := func(x models.Array) call {
		return func(m *models.Sequential) error {
			_, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
			return err
		}
	}
	kfold := func(x, y models.Array) call {
		return func(*models.Sequential) error {
			_, err := models.KFold(x, y, func(int) (*models.Sequential, error) { return smallModel(t, false), nil },
				models.KFoldConfig{K: 2, Fit: models.FitConfig{Verbose: models.Silent}})
			return err
		}
	}
	var nilTensor *tensor.Tensor
	for _, c := range []struct {
		name string
		f    call
		want string
	}{
		{"nil x", fit(nil, y, models.FitConfig{}), "models: fit: x is nil"},
		{"nil tensor y", fit(x, nilTensor, models.FitConfig{}), "models: fit: y is nil"},
		{"zero array", fit(datasets.Uint8Array{}, y, models.FitConfig{}), "models: fit: x is empty (shape [])"},
		{"negative image dimension", fit(datasets.Uint8Array{Shape: []int{10, -6, 6}, Data: x.Data}, y, models.FitConfig{}), "models: fit: x has a negative size -6 on axis 1 (shape [10 -6 6])"},
		{"empty", fit(datasets.Uint8Array{Shape: []int{0, 6, 6}}, datasets.Uint8Array{Shape: []int{0}}, models.FitConfig{}), "models: fit: x is empty (shape [0 6 6])"},
		{"short data", fit(short, y, models.FitConfig{}), "models: fit: x: datasets: uint8 (10, 6, 6) holds 359 values, want 360"},
		{"short data, scaled", fit(short.DivScalar(255), y, models.FitConfig{}), "models: fit: x: datasets: uint8 (10, 6, 6) holds 359 values, want 360"},
		{"negative rows", fit(x, datasets.Uint8Array{Shape: []int{-10}}, models.FitConfig{}), "models: fit: y has a negative size -10 on axis 0 (shape [-10])"},
		{"short labels", fit(x, datasets.Uint8Array{Shape: []int{10}, Data: y.Data[:9]}, models.FitConfig{}), "models: fit: y: datasets: uint8 (10,) holds 9 values, want 10"},
		{"negative label dimension", fit(x, datasets.Uint8Array{Shape: []int{10, -1}}, models.FitConfig{}), "models: fit: y has a negative size -1 on axis 1 (shape [10 -1])"},
		{"divide by zero", fit(x.DivScalar(0), y, models.FitConfig{}), "models: fit: x: datasets: value 105 at flat index 0 divided by 0 is +Inf; values must stay finite"},
		{"wrong image size", fit(x.Reshape(10, 4, 9), y, models.FitConfig{}), "models: fit: x has per-example shape [4 9], model expects [6 6]"},
		{"one image", fit(x.Slice(0, 1).Reshape(6, 6), y, models.FitConfig{}), "models: fit: x has per-example shape [6], model expects [6 6] (did you pass one example without the batch axis?)"},
		{"rows differ", fit(x, y.Slice(0, 9), models.FitConfig{}), "models: fit: y has 9 rows but x has 10 (shapes [9] and [10 6 6])"},
		{"label out of range", fit(x, badLabel, models.FitConfig{}), "models: fit: y: label 3 is 7" + want4},
		{"labels of the wrong shape", fit(x, x, models.FitConfig{}), "models: fit: y: labels of per-example shape [6 6] for predictions [4]: want [] or [1]"},
		{"scalar labels", fit(x, datasets.Uint8Array{Shape: []int{}, Data: []uint8{1}}, models.FitConfig{}), "models: fit: y has no rows but x has 10 (shapes [] and [10 6 6])"},
		{"split too small", fit(x, y, models.FitConfig{ValidationSplit: 0.95}), "models: fit: ValidationSplit 0.95 of 10 rows leaves an empty training or validation set"},
		{"validation images", fit(x, y, models.FitConfig{ValidationData: &models.Data{X: x.Reshape(10, 2, 3, 6), Y: y}}), "models: fit: ValidationData.X has per-example shape [2 3 6], model expects [6 6]"},
		{"validation labels", fit(x, y, models.FitConfig{ValidationData: &models.Data{X: x, Y: badLabel}}), "models: fit: ValidationData.Y: label 3 is 7" + want4},
		{"validation nil", fit(x, y, models.FitConfig{ValidationData: &models.Data{X: x}}), "models: fit: ValidationData.Y is nil"},
		{"evaluate labels", evaluate(x.DivScalar(255), badLabel), "models: evaluate: y: label 3 is 7" + want4},
		{"evaluate short", evaluate(short, y), "models: evaluate: x: datasets: uint8 (10, 6, 6) holds 359 values, want 360"},
		{"evaluate empty", evaluate(datasets.Uint8Array{Shape: []int{0, 6, 6}}, y), "models: evaluate: x is empty (shape [0 6 6])"},
		{"predict short", predict(short), "models: predict: x: datasets: uint8 (10, 6, 6) holds 359 values, want 360"},
		{"predict wrong size", predict(x.Reshape(10, 36)), "models: predict: x has per-example shape [36], model expects [6 6] (did you pass one example without the batch axis?)"},
		{"predict empty", predict(datasets.Uint8Array{Shape: []int{0, 6, 6}}), "models: predict: x is empty (shape [0 6 6])"},
		{"predict nil", predict(nilTensor), "models: predict: x is nil"},
		{"kfold nil", kfold(nil, y), "models: kfold: x and y must be non-nil arrays with a batch axis"},
		{"kfold zero array", kfold(datasets.Uint8Array{}, y), "models: kfold: x and y must be non-nil arrays with a batch axis"},
		{"kfold labels", kfold(x, badLabel), "models: kfold: fold 0: models: fit: ValidationData.Y: label 3 is 7" + want4},
		{"kfold short", kfold(short, y), "models: kfold: fold 0: models: fit: x: datasets: uint8 (10, 6, 6) holds 359 values, want 360"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			err := c.f(smallModel(t, false))
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v\nwant  %s", err, c.want)
			}
		})
	}
}

// TestLabelCheckInBlocks checks the labels of an array too large to
// convert at once: an error names the block, y[lo:hi], and the label's
// index in it.
func TestLabelCheckInBlocks(t *testing.T) {
	n := 1<<20 + 1000
	x := datasets.Uint8Array{Shape: []int{n, 1}, Data: make([]uint8, n)}
	y := datasets.Uint8Array{Shape: []int{n}, Data: make([]uint8, n)}
	m := models.NewSequential(&layers.Dense{Units: 4, Activation: activations.Softmax, InputShape: []int{1}})
	m.Out = &bytes.Buffer{}
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: lossSCC()}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   int
		want string
	}{
		{5, "models: evaluate: y[0:1048576]: label 5 is 9: want an integer class index in [0, 4)"},
		{1<<20 + 5, "models: evaluate: y[1048576:1049576]: label 5 is 9: want an integer class index in [0, 4)"},
	} {
		y.Data[c.at] = 9
		_, err := m.Evaluate(x, y, models.EvaluateConfig{Verbose: models.Silent})
		y.Data[c.at] = 0
		if err == nil || err.Error() != c.want {
			t.Errorf("bad label at %d: error %v\nwant %s", c.at, err, c.want)
		}
	}
}

// Keras's model.fit(X_train, y_train) takes the uint8 arrays load_data
// returns; so does Fit, converting one batch at a time. DivScalar divides
// as the batches are read, without a float32 copy of the data set.
func ExampleSequential_Fit_uint8() {
	// Stand-ins for xTrain, yTrain, _, _, err := mnist.LoadData(): 4×4
	// "images" whose left half is brighter than the right (label 0) or
	// the other way round (label 1).
	rng := rand.New(rand.NewPCG(1, 2))
	xTrain := datasets.Uint8Array{Shape: []int{200, 4, 4}, Data: make([]uint8, 200*16)}
	yTrain := datasets.Uint8Array{Shape: []int{200}, Data: make([]uint8, 200)}
	for i := range yTrain.Data {
		label := rng.IntN(2)
		yTrain.Data[i] = uint8(label)
		for j := 0; j < 16; j++ {
			v := rng.IntN(128)
			if (j%4 < 2) == (label == 0) {
				v += 128
			}
			xTrain.Data[i*16+j] = uint8(v)
		}
	}
	model := models.NewSequential(
		&layers.Flatten{InputShape: []int{4, 4}},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	err := model.Compile(models.CompileConfig{
		Optimizer: &optimizers.Adam{LearningRate: 0.05},
		Loss:      lossSCC(),
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		panic(err)
	}
	// model.fit(X_train / 255.0, y_train, epochs=5, validation_split=0.2)
	x := xTrain.DivScalar(255)
	history, err := model.Fit(x, yTrain, models.FitConfig{Epochs: 5, ValidationSplit: 0.2, Verbose: models.Silent})
	if err != nil {
		panic(err)
	}
	acc := history.History["val_accuracy"]
	fmt.Println("validation accuracy above 0.9:", acc[len(acc)-1] > 0.9)

	// model.predict(X_train[:3] / 255.0)
	pred, err := model.Predict(xTrain.Slice(0, 3).DivScalar(255), models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		panic(err)
	}
	fmt.Println("predicted:", pred.ArgMax(), "true:", yTrain.Data[:3])
	// Output:
	// validation accuracy above 0.9: true
	// predicted: [0 0 0] true: [0 0 0]
}
