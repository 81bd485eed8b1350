package cifar100_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/cifar100"
)

// cifar100.load_data(label_mode="coarse") on an archive in the real format
// with 2 images a batch.
func ExampleLoadData() {
	xTrain, yTrain, _, _, err := cifar100.LoadData("coarse", datasets.Options{Dir: "../internal/cifar/testdata"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(xTrain.Describe(), yTrain.Describe())
	_, _, _, _, err = cifar100.LoadData("medium", datasets.Options{})
	fmt.Println(err)
	// Output:
	// uint8 (2, 32, 32, 3) uint8 (2, 1)
	// cifar100: label_mode must be one of "fine", "coarse", got "medium"
}
