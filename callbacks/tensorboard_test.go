package callbacks_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// tbRun trains a small classifier with a TensorBoard callback and returns
// its history and log directory.
func tbRun(t *testing.T, tb *callbacks.TensorBoard) *models.History {
	t.Helper()
	x, y := tensor.Zeros(64, 4), tensor.Zeros(64)
	for i := range 64 {
		for j := range 4 {
			x.Data()[i*4+j] = float32((i*7+j*3)%11) / 11
		}
		y.Data()[i] = float32(i % 2)
	}
	m := models.NewSequential(
		&layers.Dense{Units: 5, Activation: activations.ReLU, InputShape: []int{4}},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	m.SetSeed(1)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}, Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
		t.Fatal(err)
	}
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 3, BatchSize: 16, ValidationSplit: 0.25, Verbose: models.Silent, Callbacks: []callbacks.Callback{tb}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// event is one value of an event file as the independent reader
// (testdata/read_tfevents.py) prints it.
type event struct {
	FileVersion string      `json:"file_version"`
	Step        int64       `json:"step"`
	Tag         string      `json:"tag"`
	Plugin      string      `json:"plugin"`
	Dtype       string      `json:"dtype"`
	Shape       []int       `json:"shape"`
	Value       float64     `json:"value"`
	Buckets     [][]float64 `json:"buckets"`
	Images      []string    `json:"images"`
}

// readWithPython reads the event file of dir with the independent reader:
// an interop check that needs /usr/bin/python3 (skipped without it, failed
// when NEURON_REQUIRE_PYTHON_PEERS=1).
func readWithPython(t *testing.T, dir string) []event {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("NEURON_REQUIRE_PYTHON_PEERS") == "1" {
			t.Fatal("python3 is missing and NEURON_REQUIRE_PYTHON_PEERS=1")
		}
		t.Skip("python3 is missing: the independent reader cannot run")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "events.out.tfevents.*.v2"))
	if len(files) != 1 {
		t.Fatalf("%s: %d event files, want 1", dir, len(files))
	}
	out, err := exec.Command(py, "testdata/read_tfevents.py", files[0]).Output()
	if err != nil {
		t.Fatalf("read_tfevents.py %s: %v", files[0], err)
	}
	var evs []event
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	return evs
}

func TestTensorBoard(t *testing.T) {
	dir := t.TempDir()
	tb := &callbacks.TensorBoard{LogDir: dir, HistogramFreq: 2, WriteImages: true, UpdateFreq: 2}
	h := tbRun(t, tb)

	train := readWithPython(t, filepath.Join(dir, "train"))
	val := readWithPython(t, filepath.Join(dir, "validation"))
	if train[0].FileVersion != "brain.Event:2" || val[0].FileVersion != "brain.Event:2" {
		t.Fatalf("first events %+v %+v", train[0], val[0])
	}
	scalars := map[string]map[int64]float64{}
	for _, evs := range [][]event{train, val} {
		prefix := ""
		if &evs[0] == &val[0] {
			prefix = "val:"
		}
		for _, e := range evs[1:] {
			if e.Plugin == "scalars" {
				if e.Dtype != "float32" || len(e.Shape) != 0 {
					t.Errorf("%s: dtype %s shape %v, want float32 ()", e.Tag, e.Dtype, e.Shape)
				}
				if scalars[prefix+e.Tag] == nil {
					scalars[prefix+e.Tag] = map[int64]float64{}
				}
				scalars[prefix+e.Tag][e.Step] = e.Value
			}
		}
	}
	// 48 training rows in batches of 16: 3 steps an epoch, steps 1..9.
	for epoch := range 3 {
		s := int64(epoch)
		for tag, k := range map[string]string{"epoch_loss": "loss", "epoch_accuracy": "accuracy", "val:epoch_loss": "val_loss", "val:epoch_accuracy": "val_accuracy"} {
			if got, want := scalars[tag][s], float64(float32(h.History[k][epoch])); got != want {
				t.Errorf("%s at epoch %d: %v, history %v", tag, epoch, got, want)
			}
		}
		if got := scalars["epoch_learning_rate"][s]; got != float64(float32(0.001)) {
			t.Errorf("epoch_learning_rate %v", got)
		}
		if got, want := scalars["val:evaluation_loss_vs_iterations"][int64(3*(epoch+1))], float64(float32(h.History["val_loss"][epoch])); got != want {
			t.Errorf("evaluation_loss_vs_iterations at step %d: %v, want %v", 3*(epoch+1), got, want)
		}
	}
	var batchSteps []int64
	for s := range scalars["batch_loss"] {
		batchSteps = append(batchSteps, s)
	}
	if len(batchSteps) != 4 || scalars["batch_loss"][2] == 0 || scalars["batch_loss"][8] == 0 {
		t.Errorf("batch_loss at steps %v, want 2, 4, 6 and 8", batchSteps)
	}
	// Histograms at epochs 0 and 2; 30 buckets counting every value.
	counts := map[string]float64{}
	images := map[string][]string{}
	for _, e := range train {
		switch e.Plugin {
		case "histograms":
			if e.Dtype != "float64" || len(e.Shape) != 2 || e.Shape[1] != 3 {
				t.Errorf("%s: %s %v", e.Tag, e.Dtype, e.Shape)
			}
			n := 0.0
			for _, b := range e.Buckets {
				n += b[2]
			}
			counts[e.Tag] += n
			if e.Step != 0 && e.Step != 2 {
				t.Errorf("%s at epoch %d, want 0 and 2", e.Tag, e.Step)
			}
		case "images":
			images[e.Tag] = e.Images
		}
	}
	want := map[string]float64{"dense/kernel/histogram": 2 * 20, "dense/bias/histogram": 2 * 5, "dense_1/kernel/histogram": 2 * 10, "dense_1/bias/histogram": 2 * 2}
	for tag, n := range want {
		if counts[tag] != n {
			t.Errorf("%s counts %v values, want %v", tag, counts[tag], n)
		}
	}
	// The (4, 5) kernel as a 5×4 image; the (5, 2) one transposed, 5 wide
	// and 2 high; a bias of 5 as a column.
	for tag, wh := range map[string][2]string{"dense/kernel/image": {"5", "4"}, "dense_1/kernel/image": {"5", "2"}, "dense/bias/image": {"1", "5"}} {
		im := images[tag]
		if len(im) != 3 || im[0] != wh[0] || im[1] != wh[1] || im[2] != "89504e470d0a1a0a" {
			t.Errorf("%s: %v, want width %s height %s and one PNG", tag, im, wh[0], wh[1])
		}
	}
	if math.IsNaN(scalars["epoch_loss"][0]) {
		t.Fatal("NaN loss")
	}
}

func TestTensorBoardArguments(t *testing.T) {
	for _, tb := range []*callbacks.TensorBoard{{HistogramFreq: -1}, {UpdateFreq: -2}} {
		if err := tb.OnTrainBegin(nil); err == nil {
			t.Errorf("%+v: no error", tb)
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if err := (&callbacks.TensorBoard{LogDir: file}).OnTrainBegin(nil); err == nil {
		t.Error("LogDir a file: no error")
	}
}
