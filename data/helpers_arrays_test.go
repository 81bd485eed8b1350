package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/tensor"
)

// TestNormalize compares with NumPy's keras.utils.normalize formula,
// x / np.expand_dims(np.linalg.norm(x, order, axis), axis) with zero norms
// replaced by 1 (values printed by /usr/bin/python3 with NumPy).
func TestNormalize(t *testing.T) {
	x := tensor.FromSlice([]float32{3, 4, 0, 0, 0, 0, 1, -2, 2}, 3, 3)
	cases := []struct {
		axis, order int
		want        []float64
	}{
		{-1, 1, []float64{0.4285714328289032, 0.5714285969734192, 0, 0, 0, 0, 0.20000000298023224, -0.4000000059604645, 0.4000000059604645}},
		{-1, 2, []float64{0.6000000238418579, 0.800000011920929, 0, 0, 0, 0, 0.3333333432674408, -0.6666666865348816, 0.6666666865348816}},
		{1, 3, []float64{0.666971743106842, 0.8892956972122192, 0, 0, 0, 0, 0.38891109824180603, -0.7778221964836121, 0.7778221964836121}},
		{-1, math.MaxInt, []float64{0.75, 1, 0, 0, 0, 0, 0.5, -1, 1}},
		{0, 1, []float64{0.75, 0.6666666865348816, 0, 0, 0, 0, 0.25, -0.3333333432674408, 1}},
		{0, 2, []float64{0.9486832618713379, 0.8944271802902222, 0, 0, 0, 0, 0.3162277638912201, -0.4472135901451111, 1}},
		{-2, 3, []float64{0.9879505634307861, 0.9614996910095215, 0, 0, 0, 0, 0.3293168544769287, -0.48074984550476074, 1}},
		{0, math.MaxInt, []float64{1, 1, 0, 0, 0, 0, 0.3333333432674408, -0.5, 1}},
	}
	for _, c := range cases {
		got, err := Normalize(x, c.axis, c.order)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got.Data() {
			if math.Abs(float64(v)-c.want[i]) > 1e-6 {
				t.Errorf("axis %d order %d: [%d] = %v, want %v", c.axis, c.order, i, v, c.want[i])
			}
		}
	}
	if x.Data()[0] != 3 {
		t.Error("Normalize changed its input")
	}
	for _, c := range []struct {
		axis, order int
		want        string
	}{{2, 2, "axis 2"}, {-3, 2, "axis -3"}, {0, 0, "order"}} {
		if _, err := Normalize(x, c.axis, c.order); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Normalize(axis %d, order %d): %v, want an error naming %q", c.axis, c.order, err, c.want)
		}
	}
	if _, err := Normalize(nil, -1, 2); err == nil {
		t.Error("Normalize(nil): no error")
	}
}

func TestToCategorical(t *testing.T) {
	// keras.utils.to_categorical([[1], [0], [2]], 4): the (n, 1) shape
	// loses its last axis, then gains one of num_classes.
	got, err := ToCategorical(tensor.FromSlice([]float32{1, 0, 2}, 3, 1), 4)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Shape(), []int{3, 4}) {
		t.Fatalf("shape %v, want [3 4]", got.Shape())
	}
	want := []float32{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0}
	if !slices.Equal(got.Data(), want) {
		t.Errorf("got %v, want %v", got.Data(), want)
	}
	// num_classes None: max + 1; a (2, 2) grid keeps its shape.
	got, err = ToCategorical(tensor.FromSlice([]float32{0, 2, 1, 1}, 2, 2), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Shape(), []int{2, 2, 3}) {
		t.Errorf("shape %v, want [2 2 3]", got.Shape())
	}
	for _, c := range []struct {
		y    []float32
		n    int
		want string
	}{
		{[]float32{0, 4}, 4, "label 4 at index 1"},
		{[]float32{0, -1}, 4, "label -1 at index 1"},
		{[]float32{0, 1.5}, 4, "label 1.5 at index 1"},
		{[]float32{0}, -2, "num_classes"},
	} {
		_, err := ToCategorical(tensor.FromSlice(c.y, len(c.y)), c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ToCategorical(%v, %d): %v, want %q", c.y, c.n, err, c.want)
		}
	}
}

func TestShuffleTogether(t *testing.T) {
	x := tensor.FromSlice([]float32{0, 0, 1, 10, 2, 20, 3, 30, 4, 40}, 5, 2)
	y := tensor.FromSlice([]float32{0, 1, 2, 3, 4}, 5)
	out, err := ShuffleTogether(7, x, y)
	if err != nil {
		t.Fatal(err)
	}
	moved := false
	for i := range 5 {
		yi := out[1].Data()[i]
		if out[0].Data()[2*i] != yi || out[0].Data()[2*i+1] != 10*yi {
			t.Fatalf("row %d: x %v, y %v: not shuffled together", i, out[0].Data()[2*i:2*i+2], yi)
		}
		moved = moved || yi != float32(i)
	}
	if !moved {
		t.Error("the order did not change")
	}
	again, _ := ShuffleTogether(7, x, y)
	if !slices.Equal(again[1].Data(), out[1].Data()) {
		t.Error("the same seed gave another order")
	}
	if _, err := ShuffleTogether(7, x, tensor.FromSlice([]float32{1, 2}, 2)); err == nil || !strings.Contains(err.Error(), "array 1 has 2 examples") {
		t.Errorf("mismatched lengths: %v", err)
	}
	if _, err := Take(x, []int{5}); err == nil || !strings.Contains(err.Error(), "index 5") {
		t.Errorf("Take out of range: %v", err)
	}
}

func TestTrainTestSplit(t *testing.T) {
	train, test, err := TrainTestSplit(10, SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(test) != 3 || len(train) != 7 { // ceil(0.25·10)
		t.Errorf("sizes %d/%d, want 7/3", len(train), len(test))
	}
	all := append(slices.Clone(train), test...)
	slices.Sort(all)
	for i, v := range all {
		if v != i {
			t.Fatalf("the sides do not partition 0..9: %v", all)
		}
	}
	train, test, _ = TrainTestSplit(5, SplitOptions{TestSize: 0.4, NoShuffle: true})
	if !slices.Equal(train, []int{0, 1, 2}) || !slices.Equal(test, []int{3, 4}) {
		t.Errorf("NoShuffle: %v %v", train, test)
	}

	// 60 of class 0, 30 of class 1, 10 of class 2: a 0.2 test side holds
	// 12, 6 and 2 of them.
	var strat []int
	for c, k := range []int{60, 30, 10} {
		for range k {
			strat = append(strat, c)
		}
	}
	for seed := range uint64(5) {
		train, test, err = TrainTestSplit(len(strat), SplitOptions{TestSize: 0.2, Stratify: strat, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		count := [3]int{}
		for _, i := range test {
			count[strat[i]]++
		}
		if count != [3]int{12, 6, 2} || len(train) != 80 {
			t.Errorf("seed %d: test classes %v, train %d; want [12 6 2], 80", seed, count, len(train))
		}
	}
	a, _, _ := TrainTestSplit(100, SplitOptions{Seed: 1})
	b, _, _ := TrainTestSplit(100, SplitOptions{Seed: 1})
	c, _, _ := TrainTestSplit(100, SplitOptions{Seed: 2})
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Error("the seed does not fix the split")
	}

	for _, c := range []struct {
		n    int
		o    SplitOptions
		want string
	}{
		{10, SplitOptions{TestSize: 1.5}, "test_size"},
		{10, SplitOptions{TestSize: -0.1}, "test_size"},
		{1, SplitOptions{}, "at least 2"},
		{3, SplitOptions{Stratify: []int{0, 1}}, "2 labels for 3"},
		{4, SplitOptions{Stratify: []int{0, 0, 0, 1}}, "class 1"},
		{4, SplitOptions{Stratify: []int{0, 0, 1, 1}, NoShuffle: true}, "stratify"},
	} {
		if _, _, err := TrainTestSplit(c.n, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("TrainTestSplit(%d, %+v): %v, want %q", c.n, c.o, err, c.want)
		}
	}
}
