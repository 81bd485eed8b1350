package reuters_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/reuters"
)

// (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.2)
// on a 10-newswire file in Keras's format; without Dir, Keras's
// reuters.npz is found in a cache or downloaded.
func ExampleLoadData() {
	xTrain, yTrain, xTest, _, err := reuters.LoadData(reuters.Options{
		Options: datasets.Options{Dir: "../internal/seqdata/testdata"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(xTrain), len(xTest), reuters.LabelNames[yTrain[0]])
	// Output: 8 2 trade
}
