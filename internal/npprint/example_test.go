package npprint_test

import (
	"fmt"

	"github.com/neuron-go/neuron/internal/npprint"
)

func ExampleUint8() {
	img := []uint8{0, 3, 18, 255, 0, 0}
	fmt.Println(npprint.Uint8([]int{2, 3}, img, npprint.Options{}))
	// Output:
	// [[  0   3  18]
	//  [255   0   0]]
}

func ExampleFloat64() {
	// X_train / 255.0: whole numbers keep their point, the rest are
	// rounded to 8 digits and every column is as wide as the widest.
	x := []float64{0, 3.0 / 255, 0.5, 1}
	fmt.Println(npprint.Float64([]int{2, 2}, x, npprint.Options{}))
	// Output:
	// [[0.         0.01176471]
	//  [0.5        1.        ]]
}

func ExampleFloat32() {
	// A range wider than 1000 switches to scientific notation.
	fmt.Println(npprint.Float32([]int{3}, []float32{1e-5, 0.5, 2}, npprint.Options{}))
	// Output:
	// [1.e-05 5.e-01 2.e+00]
}

func ExampleOptions() {
	// A narrow line width wraps rows with NumPy's continuation indent, and
	// 3-D arrays have a blank line between their 2-D blocks.
	x := make([]int, 2*2*8)
	for i := range x {
		x[i] = i * 10
	}
	fmt.Println(npprint.Ints([]int{2, 2, 8}, x, npprint.Options{Linewidth: 30}))
	// Output:
	// [[[  0  10  20  30  40  50
	//     60  70]
	//   [ 80  90 100 110 120 130
	//    140 150]]
	//
	//  [[160 170 180 190 200 210
	//    220 230]
	//   [240 250 260 270 280 290
	//    300 310]]]
}

func ExampleOptions_summary() {
	// Arrays of more than Threshold elements show only their edges.
	x := make([]uint8, 2000)
	for i := range x {
		x[i] = uint8(i)
	}
	fmt.Println(npprint.Uint8([]int{2000}, x, npprint.Options{}))
	// Output:
	// [  0   1   2 ... 205 206 207]
}
