package saving_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
)

// optionsModel is dropoutModel compiled with Adam under Keras's
// base-optimizer options and metrics that take arguments.
func optionsModel(t *testing.T) *models.Sequential {
	t.Helper()
	opt, err := optimizers.WithOptions(optimizers.NewAdam(), optimizers.Options{
		ClipNorm: 0.5, UseEMA: true, EMAMomentum: 0.9, EMAOverwriteFrequency: 4, GradientAccumulationSteps: 3})
	if err != nil {
		t.Fatal(err)
	}
	iou, err := metrics.NewMeanIoU(metrics.MeanIoUConfig{NumClasses: 10, OneHotPred: true})
	if err != nil {
		t.Fatal(err)
	}
	m := dropoutModel()
	if err := m.Compile(models.CompileConfig{Optimizer: opt, Loss: lossSCC(),
		Metrics: []metrics.Metric{metrics.NewSparseTopKCategoricalAccuracy(2), iou}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOptionsResumeExactly interrupts a run whose optimizer accumulates
// gradients, clips them and keeps an EMA, resumes it from the backup, and
// checks that the weights equal an uninterrupted run's bit for bit; the
// loaded model's optimizer and metrics are the saved ones.
func TestOptionsResumeExactly(t *testing.T) {
	x, y := images(8, 100, false)
	fit := func(cbs ...callbacks.Callback) models.FitConfig {
		return models.FitConfig{Epochs: 2, BatchSize: 16, Verbose: models.Silent, Callbacks: cbs}
	}
	ref := optionsModel(t)
	if _, err := ref.Fit(x, y, fit()); err != nil {
		t.Fatal(err)
	}
	want := weightsSHA256(ref)

	dir := t.TempDir()
	var log bytes.Buffer
	for _, after := range []int{5, 4} {
		m := optionsModel(t)
		_, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, Log: &log, SaveEvery: 1}, &interrupt{after: after}))
		if !errors.Is(err, errInterrupted) {
			t.Fatalf("interrupted run: %v", err)
		}
	}
	m := optionsModel(t)
	if _, err := m.Fit(x, y, fit(&saving.BackupAndRestore{Dir: dir, Log: &log, SaveEvery: 1})); err != nil {
		t.Fatal(err)
	}
	if got := weightsSHA256(m); got != want {
		t.Errorf("resumed weights %s, uninterrupted %s\n%s", got, want, log.String())
	}

	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := saving.Save(ref, path); err != nil {
		t.Fatal(err)
	}
	back, err := saving.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := optimizers.MarshalConfig(ref.Optimizer())
	b, _ := optimizers.MarshalConfig(back.Optimizer())
	if string(a) != string(b) {
		t.Errorf("optimizer saved as %s, loaded as %s", a, b)
	}
	if p := optimizers.OptionsOf(back.Optimizer()); p.GradientAccumulationSteps != 3 || !p.UseEMA {
		t.Errorf("loaded options %+v", p)
	}
}
