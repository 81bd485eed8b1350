package saving_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// xorData is the XOR problem: two inputs, one of two classes.
func xorData() (x, y *tensor.Tensor) {
	x = tensor.FromSlice([]float32{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2)
	y = tensor.FromSlice([]float32{0, 1, 1, 0}, 4)
	return x, y
}

func xorModel() *models.Sequential {
	m := models.NewSequential(
		&layers.Dense{Units: 8, Activation: activations.Tanh, InputShape: []int{2}},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	m.Out = io.Discard
	err := m.Compile(models.CompileConfig{
		Optimizer: &optimizers.Adam{LearningRate: 0.05},
		Loss:      losses.SparseCategoricalCrossentropy{},
	})
	if err != nil {
		log.Fatal(err)
	}
	return m
}

// Save a trained model to one file and load it back: the loaded model
// predicts exactly as the saved one.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "neuron")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "xor.safetensors")

	x, y := xorData()
	m := xorModel()
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 200, Verbose: models.Silent}); err != nil {
		log.Fatal(err)
	}
	if err := saving.Save(m, path); err != nil {
		log.Fatal(err)
	}

	loaded, err := saving.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	a, _ := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	b, _ := loaded.Predict(x, models.PredictConfig{Verbose: models.Silent})
	fmt.Println("classes:", b.ArgMax())
	fmt.Println("same predictions:", fmt.Sprint(a.Data()) == fmt.Sprint(b.Data()))
	fmt.Println("optimizer steps restored:", loaded.Optimizer().Iterations())
	// Output:
	// classes: [0 1 1 0]
	// same predictions: true
	// optimizer steps restored: 200
}

// Load a model and continue training it where it stopped: the result is
// the same as training without the interruption.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "neuron")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "xor.safetensors")
	x, y := xorData()

	// Train 100 epochs, save.
	m := xorModel()
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 100, Verbose: models.Silent}); err != nil {
		log.Fatal(err)
	}
	if err := saving.Save(m, path); err != nil {
		log.Fatal(err)
	}

	// Later: load and train epochs 100 to 200.
	loaded, err := saving.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	loaded.Out = io.Discard
	if _, err := loaded.Fit(x, y, models.FitConfig{InitialEpoch: 100, Epochs: 200, Verbose: models.Silent}); err != nil {
		log.Fatal(err)
	}

	// The same 200 epochs in one go.
	ref := xorModel()
	if _, err := ref.Fit(x, y, models.FitConfig{Epochs: 200, Verbose: models.Silent}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("same weights:", fmt.Sprint(loaded.Weights()) == fmt.Sprint(ref.Weights()))
	// Output:
	// same weights: true
}

// crash fails training at the end of an epoch, as a power cut would.
type crash struct {
	callbacks.Base
	atEpoch int
}

func (c crash) OnEpochEnd(epoch int, _ callbacks.Logs) error {
	if epoch+1 == c.atEpoch {
		return errors.New("power cut")
	}
	return nil
}

// Make training survive a crash: run the same program again and it
// continues from the last backup, ending with the weights an uninterrupted
// run would have.
func ExampleBackupAndRestore() {
	dir, err := os.MkdirTemp("", "neuron")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	x, y := xorData()
	fit := func(cbs ...callbacks.Callback) models.FitConfig {
		backup := &saving.BackupAndRestore{Dir: filepath.Join(dir, "backup")}
		return models.FitConfig{Epochs: 20, Verbose: models.Silent, Callbacks: append(cbs, backup)}
	}

	// The first run stops after 8 of its 20 epochs.
	_, err = xorModel().Fit(x, y, fit(crash{atEpoch: 8}))
	fmt.Println("first run:", err)

	// The program runs again: training resumes after epoch 8.
	m := xorModel()
	h, err := m.Fit(x, y, fit())
	fmt.Println("second run:", err, "- epochs in the history:", len(h.Epoch))

	// The same as 20 epochs without a crash.
	ref := xorModel()
	if _, err := ref.Fit(x, y, models.FitConfig{Epochs: 20, Verbose: models.Silent}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("same weights:", fmt.Sprint(m.Weights()) == fmt.Sprint(ref.Weights()))
	// Output:
	// first run: power cut
	// second run: <nil> - epochs in the history: 20
	// same weights: true
}

// Save the model after every epoch whose validation loss is the best so
// far, with the epoch and the loss in the file name.
func ExampleModelCheckpoint() {
	dir, err := os.MkdirTemp("", "neuron")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	x, y := xorData()
	m := xorModel()
	ckpt := &saving.ModelCheckpoint{
		FilePath:     filepath.Join(dir, "xor-{epoch:03d}-{val_loss:.2f}.safetensors"),
		Monitor:      "val_loss",
		SaveBestOnly: true,
	}
	_, err = m.Fit(x, y, models.FitConfig{Epochs: 3, Verbose: models.Silent,
		ValidationData: &models.Data{X: x, Y: y}, Callbacks: []callbacks.Callback{ckpt}})
	if err != nil {
		log.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "xor-*.safetensors"))
	fmt.Println(len(files), "checkpoints")
	// Output:
	// 3 checkpoints
}

// Rebuild a model from the architecture and compile settings Save
// writes: fresh weights, the same layers, compiled with the same
// optimizer. Readers of other formats (saving/kerasfile) build so.
func ExampleFromConfig() {
	mc, err := saving.ModelConfig(xorModel())
	if err != nil {
		log.Fatal(err)
	}
	cc, err := saving.CompileConfig(xorModel())
	if err != nil {
		log.Fatal(err)
	}
	m, err := saving.FromConfig(mc, cc)
	if err != nil {
		log.Fatal(err)
	}
	ws, err := saving.PlanConfig(mc)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%T, %s, %d weights planned\n", m, m.Optimizer().Name(), len(ws))
	// Output:
	// *models.Sequential, adam, 4 weights planned
}
