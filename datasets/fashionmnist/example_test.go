package fashionmnist_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/datasets/fashionmnist"
)

// The Keras original is
//
//	(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
//
// With the data present, this prints
//
//	uint8 (60000, 28, 28) uint8 (60000,)
//	uint8 (10000, 28, 28) uint8 (10000,)
//	first item: Ankle boot
func Example() {
	xTrain, yTrain, xTest, yTest, err := fashionmnist.LoadData()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(xTrain, yTrain)
	fmt.Println(xTest, yTest)
	fmt.Println("first item:", fashionmnist.ClassNames[yTrain.Data[0]])
}
