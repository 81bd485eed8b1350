package kerasfile_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/neuron-go/neuron/saving/kerasfile"
)

// Load a model Keras wrote (tf.keras 2's model.save of an MNIST
// classifier), then write it as a Keras 3 .keras file and read that back.
func ExampleLoad() {
	m, err := kerasfile.Load("testdata/kotlindl_mnist.h5")
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range m.NamedWeights() {
		fmt.Println(w.Name, w.Value.Shape())
	}
	fmt.Println("optimizer:", m.Optimizer().Name(), "after", m.Optimizer().Iterations(), "steps")

	dir, err := os.MkdirTemp("", "keras")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mnist.keras")
	if err := kerasfile.Save(m, path); err != nil {
		log.Fatal(err)
	}
	m2, err := kerasfile.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("reloaded:", len(m2.NamedWeights()), "weights,", m2.Optimizer().Iterations(), "steps")
	// Output:
	// dense_6/kernel [784 128]
	// dense_6/bias [128]
	// dense_7/kernel [128 10]
	// dense_7/bias [10]
	// optimizer: adam after 9375 steps
	// reloaded: 4 weights, 9375 steps
}

// Build the architecture of Keras's model.to_json() and load the weights
// of its save_weights file, as Keras's model_from_json and load_weights do.
func ExampleLoadWeights() {
	config, err := os.ReadFile("testdata/kotlindl_lstm.json")
	if err != nil {
		log.Fatal(err)
	}
	m, err := kerasfile.FromJSON(config)
	if err != nil {
		log.Fatal(err)
	}
	if err := kerasfile.LoadWeights(m, "testdata/kotlindl_lstm.weights.h5"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(m.NamedWeights()), "weights, the first", m.NamedWeights()[0].Name, m.NamedWeights()[0].Value.Shape())
	// Output:
	// 11 weights, the first lstm_3/kernel [41 256]
}
