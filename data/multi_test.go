package data_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/tensor"
)

func seq(n int, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	for i := range t.Data() {
		t.Data()[i] = float32(n + i)
	}
	return t
}

// FromArraysMulti's elements keep their structure through Batch, Unbatch,
// Shuffle and Cache: inputs, targets and weights stay row-aligned.
func TestFromArraysMultiKeepsRowsTogether(t *testing.T) {
	a, b, y, w := seq(0, 10, 2), seq(100, 10, 3), seq(200, 10), seq(300, 10)
	ds, err := data.FromArraysMulti([]*tensor.Tensor{a, b}, []*tensor.Tensor{y}, w)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := ds.Shuffle(10, 3)
	if err != nil {
		t.Fatal(err)
	}
	bt, err := sh.Batch(4, false)
	if err != nil {
		t.Fatal(err)
	}
	els, err := bt.Cache().Unbatch().Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(els) != 10 {
		t.Fatalf("%d elements, want 10", len(els))
	}
	seen := map[float32]bool{}
	for _, e := range els {
		if e.X != nil || e.Y != nil || len(e.Xs) != 2 || len(e.Ys) != 1 || e.W == nil {
			t.Fatalf("element lost its structure: %+v", e)
		}
		r := int(e.Xs[0].Data()[0]) / 2 // the row it came from
		want := [][]float32{{float32(2 * r), float32(2*r + 1)}, {float32(100 + 3*r), float32(101 + 3*r), float32(102 + 3*r)}}
		if !reflect.DeepEqual(e.Xs[0].Data(), want[0]) || !reflect.DeepEqual(e.Xs[1].Data(), want[1]) ||
			e.Ys[0].Item() != float32(200+r) || e.W.Item() != float32(300+r) {
			t.Errorf("row %d: x %v %v, y %v, w %v", r, e.Xs[0].Data(), e.Xs[1].Data(), e.Ys[0].Data(), e.W.Data())
		}
		seen[e.W.Item()] = true
	}
	if len(seen) != 10 {
		t.Errorf("rows repeated or lost: %v", seen)
	}
	// The fast path of Batch over the arrays gives what stacking rows does.
	fast, _ := ds.Batch(4, false)
	slow, _ := ds.Map(func(e data.Element) (data.Element, error) { return e, nil }, 1)
	slow, _ = slow.Batch(4, false)
	fe, _ := fast.Collect()
	se, _ := slow.Collect()
	if !reflect.DeepEqual(fe, se) {
		t.Error("Batch of FromArraysMulti and Batch of its rows differ")
	}
}

func TestFromArraysMultiErrors(t *testing.T) {
	a, y := seq(0, 10, 2), seq(0, 9)
	for _, c := range []struct {
		f    func() error
		want string
	}{
		{func() error { _, err := data.FromArraysMulti([]*tensor.Tensor{}, []*tensor.Tensor{y}, nil); return err }, "x holds no array"},
		{func() error {
			_, err := data.FromArraysMulti([]*tensor.Tensor{a}, []*tensor.Tensor{y}, nil)
			return err
		}, "x[0] has 10 examples and y[0] 9"},
		{func() error {
			_, err := data.FromArraysMulti([]*tensor.Tensor{a}, []*tensor.Tensor(nil), seq(0, 10, 2))
			return err
		}, "sampleWeight must have one value per example (rank 1), got rank 2"},
		{func() error {
			_, err := data.FromArraysMulti([]*tensor.Tensor{a, nil}, []*tensor.Tensor(nil), nil)
			return err
		}, "x[1] is nil"},
	} {
		if err := c.f(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want %q", err, c.want)
		}
	}
	mixed := data.New(func(yield func(data.Element) bool) error {
		_ = yield(data.Element{X: tensor.Zeros(2)}) && yield(data.Element{Xs: []*tensor.Tensor{tensor.Zeros(2)}})
		return nil
	})
	b, _ := mixed.Batch(2, false)
	if _, err := b.Collect(); err == nil || !strings.Contains(err.Error(), "element 1 has x[0] [2]; element 0 of its batch has x [2]") {
		t.Errorf("mixed layouts: %v", err)
	}
}
