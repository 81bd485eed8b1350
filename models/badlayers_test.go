package models_test

import (
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
)

// TestBadLayers checks that models made of layers that cannot be built
// (weights too large to allocate, element counts that overflow) are
// refused with errors naming the layer, instead of running out of memory
// or panicking.
func TestBadLayers(t *testing.T) {
	for _, c := range []struct {
		name string
		m    func() *models.Sequential
		want string
	}{
		{"dense 1e9 units after flatten", func() *models.Sequential {
			return models.NewSequential(&layers.Flatten{InputShape: []int{28, 28}}, &layers.Dense{Units: 1e9})
		}, "models: build: layer 1 (dense): layers: Dense: kernel of shape [784 1000000000] has 784000000000 elements, more than the 2147483648 a weight may hold"},
		{"dense 1<<62 units", func() *models.Sequential {
			return models.NewSequential(&layers.Flatten{InputShape: []int{28, 28}}, &layers.Dense{Units: 1 << 62})
		}, "layer 1 (dense): layers: Dense: kernel of shape [784 4611686018427387904] has 3615561838447072116736 elements"},
		{"conv 1e9 filters", func() *models.Sequential {
			return models.NewSequential(&layers.Input{Shape: []int{28, 28, 1}}, &layers.Conv2D{Filters: 1e9, KernelSize: [2]int{3, 3}})
		}, "layer 1 (conv2d): layers: Conv2D: kernel of shape [3 3 1 1000000000] has 9000000000 elements"},
		{"flatten overflows", func() *models.Sequential {
			return models.NewSequential(&layers.Flatten{InputShape: []int{1 << 40, 1 << 40}}, &layers.Dense{Units: 1})
		}, "layer 0 (flatten): layers: Flatten: input of shape [1099511627776 1099511627776] has 1208925819614629174706176 elements per example"},
	} {
		m := c.m()
		err := m.Build()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Build: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
