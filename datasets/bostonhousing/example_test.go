package bostonhousing_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/bostonhousing"
)

// (x_train, y_train), (x_test, y_test) = boston_housing.load_data(). The
// testdata directory holds a 10-sample file in Keras's format (made by
// ../internal/housing/testdata/gen/make_housing.py); without Dir the real
// file is found or downloaded.
func ExampleLoadData() {
	xTrain, yTrain, xTest, yTest, err := bostonhousing.LoadData(bostonhousing.Options{
		Options: datasets.Options{Dir: "testdata"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(xTrain.Shape(), yTrain.Shape(), xTest.Shape(), yTest.Shape())
	// Output: [8 13] [8] [2 13] [2]
}
