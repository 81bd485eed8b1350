package layers

import (
	"fmt"
	"math/big"
)

// MaxElements bounds the number of values of one weight, and of one example
// at the input or output of a layer: Build and Plan refuse larger shapes
// before allocating anything. 2³¹ float32 values are 8 GiB, and the tensor
// kernels index the values of an example with int32.
const MaxElements = 1 << 31

// checkedSize returns the number of elements of the weight of the given
// shape, or an error naming the layer, the weight and the shape if a
// dimension is not positive or the count is above MaxElements (computed
// without overflow, so that a count past the range of int is reported
// rather than wrapped).
func checkedSize(layer, weight string, shape []int) (int, error) {
	n, err := count(layer, weight, shape)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("layers: %s: %s of shape %v has %s elements, more than the %d a weight may hold", layer, weight, shape, exactCount(shape), MaxElements)
	}
	return n, nil
}

// checkOutput is checkedSize for a per-example input or output shape.
func checkOutput(layer, what string, shape []int) error {
	n, err := count(layer, what, shape)
	if err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("layers: %s: %s of shape %v has %s elements per example, more than the %d an example may hold", layer, what, shape, exactCount(shape), MaxElements)
	}
	return nil
}

// count returns the product of shape, or -1 if it is above MaxElements.
func count(layer, what string, shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return 0, fmt.Errorf("layers: %s: %s of shape %v has a non-positive dimension", layer, what, shape)
		}
		if n > MaxElements/d {
			return -1, nil
		}
		n *= d
	}
	return n, nil
}

// exactCount returns the product of shape in decimal, however large.
func exactCount(shape []int) string {
	p := big.NewInt(1)
	for _, d := range shape {
		p.Mul(p, big.NewInt(int64(d)))
	}
	return p.String()
}

// checkWeights applies checkedSize to every weight a layer plans to create.
func checkWeights(layer string, ws []WeightShape) error {
	for _, w := range ws {
		if _, err := checkedSize(layer, w.Name, w.Shape); err != nil {
			return err
		}
	}
	return nil
}
