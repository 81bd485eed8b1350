package data_test

import (
	"fmt"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/tensor"
)

// Splitting, shuffling and encoding labels by hand, as
// sklearn.model_selection.train_test_split and keras.utils.to_categorical:
// the split keeps the class balance on both sides.
func ExampleTrainTestSplit() {
	x := tensor.FromSlice([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10, 1)
	y := tensor.FromSlice([]float32{0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, 10)
	labels := []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1}
	train, test, err := data.TrainTestSplit(10, data.SplitOptions{TestSize: 0.5, Stratify: labels, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	xTest, _ := data.Take(x, test)
	yTest, _ := data.Take(y, test)
	oneHot, _ := data.ToCategorical(yTest, 2)
	fmt.Println(len(train), xTest.Shape(), oneHot.Shape())
	ones := 0
	for _, v := range yTest.Data() {
		ones += int(v)
	}
	fmt.Println("class 1 in the test side:", ones)
	unit, _ := data.Normalize(tensor.FromSlice([]float32{3, 4}, 1, 2), -1, 2)
	fmt.Println(unit.Data())
	// Output:
	// 5 [5 1] [5 2]
	// class 1 in the test side: 2
	// [0.6 0.8]
}
