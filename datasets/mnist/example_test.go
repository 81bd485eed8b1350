package mnist_test

import (
	"fmt"
	"log"
	"os"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/mnist"
)

// The Keras original is
//
//	(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
//
// With the data present, this prints
//
//	uint8 (60000, 28, 28) uint8 (60000,)
//	uint8 (10000, 28, 28) uint8 (10000,)
//	first label: 5
func Example() {
	xTrain, yTrain, xTest, yTest, err := mnist.LoadData()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(xTrain, yTrain)
	fmt.Println(xTest, yTest)
	fmt.Println("first label:", yTrain.Data[0])
}

// On a machine that must stay offline, forbid downloads and report where
// the data came from.
func ExampleLoadDataWith() {
	xTrain, _, _, _, err := mnist.LoadDataWith(datasets.Options{
		NoDownload: true,
		Progress:   os.Stderr,
	})
	if err != nil {
		log.Fatal(err) // lists every place searched and how to get the files
	}
	// One 28×28 image, row by row.
	img := xTrain.Row(0)
	for r := range img.Len() {
		for _, v := range img.Row(r).Data {
			if v > 127 {
				fmt.Print("#")
			} else {
				fmt.Print(".")
			}
		}
		fmt.Println()
	}
}
