package californiahousing_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/californiahousing"
)

// california_housing.load_data(test_split=0.3) on a 10-sample file in
// Keras's format (x float32 (10, 8), y (10,)).
func ExampleLoadData() {
	xTrain, _, xTest, _, err := californiahousing.LoadData(californiahousing.Options{
		Options:   datasets.Options{Dir: "testdata"},
		TestSplit: new(0.3),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(xTrain.Shape(), xTest.Shape())
	_, _, _, _, err = californiahousing.LoadData(californiahousing.Options{Version: "medium"})
	fmt.Println(err)
	// Output:
	// [7 8] [3 8]
	// california_housing: Version must be one of "small", "large", got "medium"
}
