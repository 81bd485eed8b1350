//go:build ignore

// Writes saving/testdata/bidirectional_old_names*: a Sequential and a
// functional model with two Bidirectional GRUs, trained one epoch with
// Adam, saved in neuron's format by neuron at commit f52ee98, before
// Bidirectional named its layers as Keras does (both Bidirectionals' then
// forward_gru and backward_gru, where Keras has forward_gru_1 and
// backward_gru_1 in the second), and their predictions on a fixed input.
// Files saved so must keep loading. Run in a checkout of that commit:
// go run bidirectional_old_names.go DIR
package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	dir := os.Args[1]
	r := rand.New(rand.NewPCG(19, 19))
	x, y := tensor.Zeros(8, 5, 3), tensor.Zeros(8, 1)
	for i := range x.Data() {
		x.Data()[i] = float32(r.NormFloat64())
	}
	for i := range y.Data() {
		y.Data()[i] = float32(r.NormFloat64())
	}
	cc := models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}
	fc := models.FitConfig{Epochs: 1, BatchSize: 4, Verbose: models.Silent}
	pc := models.PredictConfig{Verbose: models.Silent}
	out := map[string][]float32{"x": x.Data()}

	s := models.NewSequential(&layers.Input{Shape: []int{5, 3}},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 3, ReturnSequences: true}},
		&layers.Bidirectional{Layer: &layers.GRU{Units: 2}},
		&layers.Dense{Units: 1})
	s.SetSeed(1)
	check(s.Compile(cc))
	_, err := s.Fit(x, y, fc)
	check(err)
	check(saving.Save(s, filepath.Join(dir, "bidirectional_old_names.safetensors")))
	p, err := s.Predict(x, pc)
	check(err)
	out["sequential"] = p.Data()

	in := models.Input([]int{5, 3}, "seq")
	h := models.Apply(&layers.Bidirectional{Layer: &layers.GRU{Units: 3, ReturnSequences: true}}, in)
	h = models.Apply(&layers.Bidirectional{Layer: &layers.GRU{Units: 2}, MergeMode: "sum"}, h)
	f, err := models.NewModel([]*models.Node{in}, []*models.Node{models.Apply(&layers.Dense{Units: 1}, h)})
	check(err)
	f.SetSeed(2)
	check(f.Compile(cc))
	_, err = f.Fit([]models.Array{x}, []models.Array{y}, fc)
	check(err)
	check(saving.Save(f, filepath.Join(dir, "bidirectional_old_names_functional.safetensors")))
	ps, err := f.Predict([]models.Array{x}, pc)
	check(err)
	out["functional"] = ps[0].Data()

	b, err := json.Marshal(out)
	check(err)
	check(os.WriteFile(filepath.Join(dir, "bidirectional_old_names.json"), b, 0o644))
}
