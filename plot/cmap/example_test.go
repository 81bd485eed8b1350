package cmap_test

import (
	"fmt"

	"github.com/neuron-go/neuron/plot/cmap"
)

func ExampleColormap_At() {
	// plt.imshow maps an image's minimum to the first colour of viridis
	// and its maximum to the last.
	for _, x := range []float64{0, 0.5, 1} {
		c := cmap.Viridis.At(x)
		fmt.Printf("viridis(%g) = #%02x%02x%02x\n", x, c.R, c.G, c.B)
	}
	// Output:
	// viridis(0) = #440154
	// viridis(0.5) = #20908c
	// viridis(1) = #fde724
}
