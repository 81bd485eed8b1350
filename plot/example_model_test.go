package plot_test

import (
	"fmt"
	"strings"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/plot"
)

// keras.utils.model_to_dot(model, show_shapes=True): PlotModel renders
// the same text with Graphviz to model.png.
func ExampleModelToDot() {
	model := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	dot, err := plot.ModelToDot(model, plot.ModelOptions{ShowShapes: true})
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(dot, "\n") {
		if strings.Contains(line, "->") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	fmt.Println(strings.Contains(dot, "Output shape: <b>(None, 10)</b>"))
	// Output:
	// n0 -> n1 [penwidth=2];
	// true
}
