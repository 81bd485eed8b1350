package dashboard_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/dashboard"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// Training shown live in the browser: open the server's URL while Fit
// runs. With Classification, the page also shows the confusion matrix and
// sample predictions when training ends.
func ExampleServer_NewRun() {
	srv, err := dashboard.New(dashboard.Config{Addr: "127.0.0.1:0"}) // a free port
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	rng := rand.New(rand.NewPCG(1, 2))
	x, y := tensor.Zeros(256, 4), tensor.Zeros(256)
	for i := range 256 {
		var s float32
		for j := range 4 {
			v := float32(rng.NormFloat64())
			x.Data()[i*4+j] = v
			s += v
		}
		if s > 0 {
			y.Data()[i] = 1
		}
	}
	model := models.NewSequential(
		&layers.Dense{Units: 8, Activation: activations.ReLU, InputShape: []int{4}},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	if err := model.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	}); err != nil {
		panic(err)
	}

	run := srv.NewRun("sum-positive")
	run.Classification = &dashboard.Classification{X: x, Y: y, ClassNames: []string{"negative", "positive"}}
	fmt.Println("open", srv.URL()[:len("http://127.0.0.1:")], "… in a browser")
	_, err = model.Fit(x, y, models.FitConfig{
		Epochs: 3, Verbose: models.Silent,
		Callbacks: []callbacks.Callback{run},
	})
	fmt.Println("trained:", err == nil)
	// Output:
	// open http://127.0.0.1: … in a browser
	// trained: true
}
