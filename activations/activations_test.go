package activations_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

func TestApply(t *testing.T) {
	x := tensor.FromSlice([]float32{-2, 0, 1, 3}, 1, 4)
	cases := []struct {
		a    activations.Activation
		want []float32
	}{
		{activations.Linear, []float32{-2, 0, 1, 3}},
		{activations.Activation{}, []float32{-2, 0, 1, 3}},
		{activations.ReLU, []float32{0, 0, 1, 3}},
		{activations.Sigmoid, []float32{0.11920292, 0.5, 0.7310586, 0.95257413}},
		{activations.Tanh, []float32{-0.9640276, 0, 0.7615942, 0.9950548}},
		// softmax([-2,0,1,3]) = e^x / Σe^x with Σe^x = 23.939154.
		{activations.Softmax, []float32{0.0056533, 0.0417726, 0.1135496, 0.8390245}},
	}
	for _, c := range cases {
		t.Run(c.a.Name(), func(t *testing.T) {
			if err := tt.AllClose(c.a.Apply(x).Data(), c.want, 1e-6, 1e-5); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestGetAndText(t *testing.T) {
	for _, name := range activations.Names() {
		a, err := activations.Get(name)
		if err != nil || a.Name() != name {
			t.Errorf("Get(%q) = %v, %v", name, a, err)
		}
	}
	_, err := activations.Get("rleu")
	if !errors.Is(err, activations.ErrUnknownName) {
		t.Fatalf("Get(rleu) error = %v, want ErrUnknownName", err)
	}
	var cfg struct{ Activation activations.Activation }
	if err := json.Unmarshal([]byte(`{"Activation":"softmax"}`), &cfg); err != nil || cfg.Activation.Name() != "softmax" {
		t.Fatalf("unmarshal: %v, %v", cfg.Activation, err)
	}
	b, _ := json.Marshal(cfg)
	if string(b) != `{"Activation":"softmax"}` {
		t.Errorf("marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"Activation":"nope"}`), &cfg); err == nil {
		t.Error("unknown name accepted")
	}
}

func ExampleGet() {
	relu, err := activations.Get("relu")
	if err != nil {
		panic(err)
	}
	fmt.Println(relu.Apply(tensor.FromSlice([]float32{-1, 2})).Data())
	// Output: [0 2]
}
