package cifar10_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/cifar10"
)

// (x_train, y_train), (x_test, y_test) = cifar10.load_data(), here on an
// archive in the real format with 2 images a batch; without Dir, the real
// archive is found or downloaded.
func ExampleLoadData() {
	xTrain, yTrain, xTest, yTest, err := cifar10.LoadData(datasets.Options{Dir: "../internal/cifar/testdata"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(xTrain.Describe(), yTrain.Describe(), xTest.Describe(), yTest.Describe())
	// Output: uint8 (10, 32, 32, 3) uint8 (10, 1) uint8 (2, 32, 32, 3) uint8 (2, 1)
}
