package optimizers_test

import (
	"fmt"
	"strings"

	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// Minimizing (w − 3)² with each optimizer by its Keras name, as
// optimizer="nadam" … in compile.
func Example() {
	for _, name := range []string{"adam", "nadam", "adamax", "lion"} {
		opt, _ := optimizers.Get(name)
		opt.SetLR(0.1)
		w := tensor.FromSlice([]float32{0}, 1).RequireGrad()
		opt.Build([]*tensor.Tensor{w})
		for range 200 {
			w.ZeroGrad()
			d := w.AddScalar(-3)
			tensor.Backward(d.Mul(d).Sum())
			opt.Apply([]*tensor.Tensor{w})
		}
		fmt.Printf("%s: w = %.2f after %d steps\n", opt.Name(), w.Data()[0], opt.Iterations())
	}
	// Output:
	// adam: w = 3.00 after 200 steps
	// nadam: w = 3.00 after 200 steps
	// adamax: w = 3.00 after 200 steps
	// lion: w = 3.00 after 200 steps
}

// Keras's Adam(clipnorm=1.0, use_ema=True): the options every Keras
// optimizer takes from its base class, here added with WithOptions.
func ExampleWithOptions() {
	opt, err := optimizers.WithOptions(optimizers.NewAdam(), optimizers.Options{ClipNorm: 1, UseEMA: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, _ := optimizers.MarshalConfig(opt)
	fmt.Println(strings.Contains(string(cfg), `"clipnorm":1`), strings.Contains(string(cfg), `"use_ema":true`))

	_, err = optimizers.WithOptions(optimizers.NewAdam(), optimizers.Options{ClipNorm: 1, ClipValue: 0.5})
	fmt.Println(err)
	// Output:
	// true true
	// optimizers: adam: only one of clipnorm, clipvalue and global_clipnorm can be set, got clipnorm=1, clipvalue=0.5, global_clipnorm=0
}
