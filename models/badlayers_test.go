package models_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

// TestBadLayers checks that models made of layers that cannot be built
// (weights too large to allocate, element counts that overflow, nil
// layers) are refused with errors naming the layer, by the first call that
// uses them, instead of running out of memory or panicking.
func TestBadLayers(t *testing.T) {
	x, y := tensor.Zeros(4, 2), tensor.Zeros(4)
	compile := func(m *models.Sequential) error {
		return m.Compile(models.CompileConfig{Loss: losses.SparseCategoricalCrossentropy{}})
	}
	fit := func(m *models.Sequential) error {
		if err := compile(m); err != nil {
			return err
		}
		_, err := m.Fit(x, y, models.FitConfig{Verbose: models.Silent})
		return err
	}
	build := func(m *models.Sequential) error { return m.Build() }
	summaryTo := func(m *models.Sequential) error { return m.SummaryTo(&bytes.Buffer{}, 0) }
	summary := func(m *models.Sequential) error {
		var b bytes.Buffer
		m.Out = &b
		m.Summary()
		return errorString(b.String())
	}
	var nilDense *layers.Dense
	for _, c := range []struct {
		name string
		m    func() *models.Sequential
		run  func(*models.Sequential) error
		want string
	}{
		{"dense 1e9 units after flatten", func() *models.Sequential {
			return models.NewSequential(&layers.Flatten{InputShape: []int{28, 28}}, &layers.Dense{Units: 1e9})
		}, build, "models: build: layer 1 (dense): layers: Dense: kernel of shape [784 1000000000] has 784000000000 elements, more than the 2147483648 a weight may hold"},
		{"dense 1<<62 units", func() *models.Sequential {
			return models.NewSequential(&layers.Flatten{InputShape: []int{28, 28}}, &layers.Dense{Units: 1 << 62})
		}, build, "layer 1 (dense): layers: Dense: kernel of shape [784 4611686018427387904] has 3615561838447072116736 elements"},
		{"conv 1e9 filters", func() *models.Sequential {
			return models.NewSequential(&layers.Input{Shape: []int{28, 28, 1}}, &layers.Conv2D{Filters: 1e9, KernelSize: [2]int{3, 3}})
		}, build, "layer 1 (conv2d): layers: Conv2D: kernel of shape [3 3 1 1000000000] has 9000000000 elements"},
		{"flatten overflows", func() *models.Sequential {
			return models.NewSequential(&layers.Flatten{InputShape: []int{1 << 40, 1 << 40}}, &layers.Dense{Units: 1})
		}, build, "layer 0 (flatten): layers: Flatten: input of shape [1099511627776 1099511627776] has 1208925819614629174706176 elements per example"},
		{"huge dense refused by fit", func() *models.Sequential {
			return models.NewSequential(&layers.Dense{Units: 1 << 40})
		}, fit, "layer 0 (dense): layers: Dense: kernel of shape [2 1099511627776] has 2199023255552 elements"},

		{"nil layer, build", func() *models.Sequential {
			return models.NewSequential(&layers.Dense{Units: 2, InputShape: []int{2}}, nil)
		}, build, "models: build: layer 1 is nil"},
		{"nil first layer, build", func() *models.Sequential {
			return models.NewSequential(nil, &layers.Dense{Units: 2})
		}, build, "models: build: layer 0 is nil"},
		{"nil layer, compile", func() *models.Sequential {
			return models.NewSequential(&layers.Dense{Units: 2}, nil)
		}, compile, "models: compile: layer 1 is nil"},
		{"nil layer added, predict", func() *models.Sequential {
			m := models.NewSequential(&layers.Dense{Units: 2})
			m.Add(nil)
			return m
		}, func(m *models.Sequential) error {
			_, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
			return err
		}, "models: predict: layer 1 is nil"},
		{"nil layer, summary", func() *models.Sequential {
			return models.NewSequential(&layers.Flatten{InputShape: []int{2}}, nil)
		}, summary, "models: summary: layer 1 is nil"},
		{"nil layer, SummaryTo", func() *models.Sequential {
			return models.NewSequential(nil)
		}, summaryTo, "models: summary: layer 0 is nil"},
		{"typed nil first layer, build", func() *models.Sequential {
			return models.NewSequential(nilDense)
		}, build, "models: build: layer 0 is a nil *layers.Dense"},
		{"typed nil layer, compile", func() *models.Sequential {
			return models.NewSequential(&layers.Flatten{InputShape: []int{2}}, nilDense)
		}, compile, "models: compile: layer 1 is a nil *layers.Dense"},
		{"typed nil layer, fit", func() *models.Sequential {
			m := models.NewSequential(&layers.Dense{Units: 2})
			m.Add(nilDense)
			return m
		}, fit, "layer 1 is a nil *layers.Dense"},
		{"typed nil layer, summary", func() *models.Sequential {
			return models.NewSequential(nilDense)
		}, summary, "models: summary: layer 0 is a nil *layers.Dense"},
		{"typed nil layer, predict", func() *models.Sequential {
			return models.NewSequential(&layers.Dense{Units: 2}, nilDense)
		}, func(m *models.Sequential) error {
			_, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
			return err
		}, "layer 1 is a nil *layers.Dense"},
	} {
		err := c.run(c.m())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// errorString turns printed text into an error, nil if empty.
type errorString string

func (e errorString) Error() string { return string(e) }

// TestKFoldNilModel checks that a KFold factory returning (nil, nil), and a
// nil factory, give errors instead of nil dereferences.
func TestKFoldNilModel(t *testing.T) {
	x, y := tensor.Zeros(4, 2), tensor.Zeros(4)
	_, err := models.KFold(x, y, func(int) (*models.Sequential, error) { return nil, nil }, models.KFoldConfig{K: 2})
	if want := "models: kfold: fold 0: newModel returned a nil model and no error"; err == nil || err.Error() != want {
		t.Errorf("factory returning (nil, nil): error %v, want %q", err, want)
	}
	_, err = models.KFold(x, y, nil, models.KFoldConfig{K: 2})
	if want := "models: kfold: newModel is nil"; err == nil || err.Error() != want {
		t.Errorf("nil factory: error %v, want %q", err, want)
	}
}
