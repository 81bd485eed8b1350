package initializers_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/initializers"
)

// Identity and Orthogonal give exact structure; the variance-scaling
// family draws with Keras's variances.
func ExampleOrthogonal() {
	rng := rand.New(rand.NewPCG(1, 2))
	fmt.Println(initializers.Identity{}.Init([]int{2, 3}, rng))
	q := initializers.Orthogonal{}.Init([]int{2, 2}, rng)
	fmt.Printf("%.3f\n", q[0]*q[0]+q[2]*q[2]) // a column's norm²
	if err := initializers.Check(initializers.VarianceScaling{Mode: "fan_max"}, []int{3, 3}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// [1 0 0 0 1 0]
	// 1.000
	// initializers: VarianceScaling: mode must be fan_in, fan_out or fan_avg, got "fan_max"
}
