package constraints_test

import (
	"fmt"

	"github.com/neuron-go/neuron/constraints"
)

// MaxNorm rescales each column of a Dense kernel (axis 0) whose norm
// exceeds the maximum; the column [3, 4] has norm 5.
func ExampleMaxNorm() {
	w := []float32{3, 0.5, 4, 0}
	constraints.MaxNorm{MaxValue: 1}.Apply(w, []int{2, 2})
	fmt.Printf("%.4f\n", w)
	// Output: [0.6000 0.5000 0.8000 0.0000]
}
