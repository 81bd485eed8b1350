package models_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
)

// A Predictor answers many goroutines at once, as the handlers of a web
// server would call it, without a lock around the model.
func ExamplePredictor() {
	m := models.NewSequential(
		&layers.Dense{Units: 3, Activation: activations.Softmax, InputShape: []int{4}},
	)
	p, err := m.NewPredictor(models.PredictorConfig{})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.InputNames(), p.InputShapes(), p.OutputNames(), p.OutputShapes())

	var wg sync.WaitGroup
	sums := make([]float32, 4)
	for g := range sums {
		wg.Go(func() {
			// Two examples of 4 features; the output buffer is reused
			// from call to call, so steady-state calls allocate nothing.
			in := [][]float32{{1, 2, 3, float32(g), 0, 0, 0, 0}}
			out := [][]float32{make([]float32, 2*3)}
			if err := p.PredictInto(context.Background(), 2, in, out); err != nil {
				panic(err)
			}
			for _, v := range out[0][:3] {
				sums[g] += v // softmax: each row sums to 1
			}
		})
	}
	wg.Wait()
	fmt.Printf("%.3f\n", sums)
	// Output:
	// [input_layer] [[4]] [dense] [[3]]
	// [1.000 1.000 1.000 1.000]
}
