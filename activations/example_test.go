package activations_test

import (
	"fmt"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/tensor"
)

// Keras 3's activations by their names, as a saved config names them.
func ExampleActivation_Apply() {
	x := tensor.FromSlice([]float32{-4, -1, 0, 1, 4})
	for _, name := range []string{"relu6", "hard_sigmoid", "leaky_relu", "softsign"} {
		a, _ := activations.Get(name)
		fmt.Printf("%-12s %.2f\n", name, a.Apply(x).Data())
	}
	// Output:
	// relu6        [0.00 0.00 0.00 1.00 4.00]
	// hard_sigmoid [0.00 0.33 0.50 0.67 1.00]
	// leaky_relu   [-0.80 -0.20 0.00 1.00 4.00]
	// softsign     [-0.80 -0.50 0.00 0.50 0.80]
}
