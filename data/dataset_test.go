package data

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neuron-go/neuron/tensor"
)

// rangeDS is a dataset of n elements with X = [i, 10i] and Y = i.
func rangeDS(t *testing.T, n int) *Dataset {
	t.Helper()
	x := make([][]float32, n)
	y := make([]int, n)
	for i := range n {
		x[i] = []float32{float32(i), float32(10 * i)}
		y[i] = i
	}
	d, err := FromSlices(x, y)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// must returns d, and panics on an error from a constructor called with
// arguments the test knows are valid.
func must(d *Dataset, err error) *Dataset {
	if err != nil {
		panic(err)
	}
	return d
}

// ys returns the first value of Y (or of X if Y is nil) of each element.
func ys(t *testing.T, d *Dataset) []float32 {
	t.Helper()
	es, err := d.Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(es))
	for i, e := range es {
		if e.Y != nil {
			out[i] = e.Y.Data()[0]
		} else {
			out[i] = e.X.Data()[0]
		}
	}
	return out
}

func seq(lo, hi int) []float32 {
	var s []float32
	for i := lo; i < hi; i++ {
		s = append(s, float32(i))
	}
	return s
}

func TestFromArrays(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	y := tensor.FromSlice([]float32{7, 8, 9}, 3)
	d := must(FromArrays(x, y))
	es, err := d.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 {
		t.Fatalf("%d elements, want 3", len(es))
	}
	if !slices.Equal(es[1].X.Shape(), []int{2}) || !slices.Equal(es[1].X.Data(), []float32{3, 4}) {
		t.Errorf("element 1 x = %v %v, want [2] [3 4]", es[1].X.Shape(), es[1].X.Data())
	}
	if es[2].Y.Rank() != 0 || es[2].Y.Data()[0] != 9 {
		t.Errorf("element 2 y = %v %v, want scalar 9", es[2].Y.Shape(), es[2].Y.Data())
	}
	// Reading twice gives the same elements.
	if got := ys(t, d); !slices.Equal(got, []float32{7, 8, 9}) {
		t.Errorf("second read %v", got)
	}
	if _, err := FromArrays(x, tensor.Zeros(2)); err == nil || !strings.Contains(err.Error(), "3 examples and y 2") {
		t.Errorf("mismatched counts: %v", err)
	}
	if _, err := FromArrays(nil, y); err == nil {
		t.Error("nil x: no error")
	}
	if _, err := FromSlices([][]float64{{1, 2}, {3}}, []int{0, 1}); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("ragged rows: %v", err)
	}
}

func TestNewGenerator(t *testing.T) {
	calls := 0
	d := New(func(yield func(Element) bool) error {
		calls++
		for i := range 4 {
			if !yield(Element{X: tensor.Scalar(float32(i * i))}) {
				return nil
			}
		}
		return errors.New("disk on fire")
	})
	got, err := d.Collect()
	if err == nil || err.Error() != "disk on fire" || len(got) != 4 {
		t.Fatalf("got %d elements, err %v", len(got), err)
	}
	if v := ys(t, d.Take(3)); !slices.Equal(v, []float32{0, 1, 4}) {
		t.Errorf("Take(3) of generator = %v", v)
	}
	if calls != 2 {
		t.Errorf("generator called %d times, want 2", calls)
	}
}

func TestBatchUnbatch(t *testing.T) {
	d := rangeDS(t, 7)
	b := must(d.Batch(3, false))
	es, err := b.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 {
		t.Fatalf("%d batches, want 3", len(es))
	}
	if !slices.Equal(es[0].X.Shape(), []int{3, 2}) || !slices.Equal(es[0].X.Data(), []float32{0, 0, 1, 10, 2, 20}) {
		t.Errorf("batch 0 x = %v %v", es[0].X.Shape(), es[0].X.Data())
	}
	if !slices.Equal(es[2].X.Shape(), []int{1, 2}) || !slices.Equal(es[2].Y.Shape(), []int{1}) || es[2].Y.Data()[0] != 6 {
		t.Errorf("last batch x %v y %v %v", es[2].X.Shape(), es[2].Y.Shape(), es[2].Y.Data())
	}
	dropped := must(d.Batch(3, true))
	if es, _ := dropped.Collect(); len(es) != 2 {
		t.Errorf("drop_remainder: %d batches, want 2", len(es))
	}
	if got := ys(t, b.Unbatch()); !slices.Equal(got, seq(0, 7)) {
		t.Errorf("Unbatch = %v", got)
	}
	ue, _ := b.Unbatch().Collect()
	if !slices.Equal(ue[4].X.Data(), []float32{4, 40}) || ue[4].Y.Rank() != 0 {
		t.Errorf("unbatched element 4: x %v y shape %v", ue[4].X.Data(), ue[4].Y.Shape())
	}
	if _, err := d.Batch(0, false); err == nil {
		t.Error("Batch(0): no error")
	}
	// A generator that changes shape mid-epoch.
	g := New(func(yield func(Element) bool) error {
		for i := range 4 {
			if !yield(Element{X: tensor.Zeros(1 + i/3)}) {
				return nil
			}
		}
		return nil
	})
	_, err = must(g.Batch(4, false)).Collect()
	if err == nil || !strings.Contains(err.Error(), "element 3") {
		t.Errorf("changing shape: %v", err)
	}
}

func TestShuffle(t *testing.T) {
	const n = 100
	d := rangeDS(t, n)
	s := must(d.Shuffle(10, 42))
	first := ys(t, s)
	second := ys(t, s)
	if slices.Equal(first, seq(0, n)) || slices.Equal(first, second) {
		t.Errorf("not shuffled or not reshuffled: %v / %v", first, second)
	}
	for _, o := range [][]float32{first, second} {
		sorted := slices.Clone(o)
		slices.Sort(sorted)
		if !slices.Equal(sorted, seq(0, n)) {
			t.Fatalf("not a permutation: %v", o)
		}
		// Element i enters a buffer of 10 only after i-9 have left it.
		for pos, v := range o {
			if int(v) > pos+9 {
				t.Errorf("element %v at position %d, before it can be in the buffer", v, pos)
			}
		}
	}
	// The same seed gives the same orders, iteration by iteration.
	s2 := must(d.Shuffle(10, 42))
	if !slices.Equal(ys(t, s2), first) || !slices.Equal(ys(t, s2), second) {
		t.Error("same seed, different order")
	}
	if got := ys(t, must(d.Shuffle(1, 7))); !slices.Equal(got, seq(0, n)) {
		t.Errorf("buffer 1 must keep the order: %v", got)
	}
	if _, err := d.Shuffle(0, 1); err == nil {
		t.Error("Shuffle(0): no error")
	}
}

func TestRepeatTakeSkipFilter(t *testing.T) {
	d := rangeDS(t, 3)
	if got := ys(t, d.Repeat(2)); !slices.Equal(got, []float32{0, 1, 2, 0, 1, 2}) {
		t.Errorf("Repeat(2) = %v", got)
	}
	if got := ys(t, d.Repeat(-1).Take(7)); !slices.Equal(got, []float32{0, 1, 2, 0, 1, 2, 0}) {
		t.Errorf("Repeat(-1).Take(7) = %v", got)
	}
	if got := ys(t, d.Repeat(0)); len(got) != 0 {
		t.Errorf("Repeat(0) = %v", got)
	}
	if got := ys(t, rangeDS(t, 0).Repeat(-1)); len(got) != 0 {
		t.Errorf("empty repeated forever = %v", got)
	}
	d10 := rangeDS(t, 10)
	if got := ys(t, d10.Skip(7)); !slices.Equal(got, []float32{7, 8, 9}) {
		t.Errorf("Skip(7) = %v", got)
	}
	if got := ys(t, d10.Skip(-1)); len(got) != 0 {
		t.Errorf("Skip(-1) = %v", got)
	}
	if got := ys(t, d10.Take(-1)); len(got) != 10 {
		t.Errorf("Take(-1) = %v", got)
	}
	if got := ys(t, d10.Take(0)); len(got) != 0 {
		t.Errorf("Take(0) = %v", got)
	}
	even := d10.Filter(func(e Element) bool { return int(e.Y.Data()[0])%2 == 0 })
	if got := ys(t, even); !slices.Equal(got, []float32{0, 2, 4, 6, 8}) {
		t.Errorf("Filter = %v", got)
	}
}

func TestZip(t *testing.T) {
	x := must(FromArrays(tensor.FromSlice([]float32{1, 2, 3, 4}, 4), nil))
	y := must(FromArrays(tensor.FromSlice([]float32{10, 20, 30}, 3), nil))
	es, err := Zip(x, y).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || es[2].X.Data()[0] != 3 || es[2].Y.Data()[0] != 30 {
		t.Errorf("Zip: %d elements, last %v", len(es), es[len(es)-1])
	}
}

func TestCache(t *testing.T) {
	reads := 0
	src := New(func(yield func(Element) bool) error {
		reads++
		for i := range 5 {
			if !yield(Element{X: tensor.Scalar(float32(i))}) {
				return nil
			}
		}
		return nil
	})
	c := src.Cache()
	ys(t, c.Take(2)) // stops early: nothing kept
	for range 3 {
		if got := ys(t, c); !slices.Equal(got, seq(0, 5)) {
			t.Errorf("cached read %v", got)
		}
	}
	if reads != 2 {
		t.Errorf("source read %d times, want 2", reads)
	}
}

func TestPrefetch(t *testing.T) {
	d := rangeDS(t, 50)
	p := must(d.Prefetch(4))
	if got := ys(t, p); !slices.Equal(got, seq(0, 50)) {
		t.Errorf("Prefetch = %v", got)
	}
	if _, err := d.Prefetch(0); err == nil {
		t.Error("Prefetch(0): no error")
	}
}

// square maps x to x², with a pause so that workers overlap.
func square(e Element) (Element, error) {
	time.Sleep(time.Duration(int(e.Y.Data()[0])%3) * 100 * time.Microsecond)
	x := e.X.Clone()
	for i, v := range x.Data() {
		x.Data()[i] = v * v
	}
	return Element{X: x, Y: e.Y}, nil
}

func TestMapDeterministic(t *testing.T) {
	d := rangeDS(t, 200)
	var runs [][]float32
	for _, w := range []int{1, 4} {
		m := must(must(d.Shuffle(32, 5)).Map(square, w))
		es, err := m.Collect()
		if err != nil {
			t.Fatal(err)
		}
		var got []float32
		for _, e := range es {
			y := e.Y.Data()[0]
			if e.X.Data()[0] != y*y || e.X.Data()[1] != 100*y*y {
				t.Fatalf("workers %d: element y=%v has x %v", w, y, e.X.Data())
			}
			got = append(got, y)
		}
		runs = append(runs, got)
	}
	if !slices.Equal(runs[0], runs[1]) {
		t.Errorf("1 worker and 4 workers differ:\n%v\n%v", runs[0], runs[1])
	}
	if slices.Equal(runs[0], seq(0, 200)) {
		t.Error("not shuffled")
	}
	if _, err := d.Map(square, 0); err == nil {
		t.Error("Map with 0 workers: no error")
	}
}

func TestMapError(t *testing.T) {
	boom := errors.New("boom")
	for _, w := range []int{1, 3} {
		m := must(rangeDS(t, 20).Map(func(e Element) (Element, error) {
			if e.Y.Data()[0] == 11 {
				return Element{}, boom
			}
			return e, nil
		}, w))
		es, err := m.Collect()
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "element 11") || len(es) != 11 {
			t.Errorf("workers %d: %d elements, err %v", w, len(es), err)
		}
	}
}

// TestNoLeak stops reading a pipeline of goroutines early and checks they
// all end.
func TestNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 20 {
		d := must(rangeDS(t, 1000).Repeat(-1).Prefetch(8))
		d = must(d.Map(square, 4))
		d = must(d.Prefetch(2))
		d = Zip(d, rangeDS(t, 1000))
		n := 0
		for _, err := range d.All() {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 30 {
				break
			}
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestAllShared checks that AllShared over a batched FromArrays dataset
// yields the values All yields, batch for batch, in tensors it reuses for
// the full batches, while All's batches stay distinct.
func TestAllShared(t *testing.T) {
	x := tensor.Zeros(10, 3)
	y := tensor.Zeros(10)
	for i := range x.Data() {
		x.Data()[i] = float32(i)
	}
	for i := range y.Data() {
		y.Data()[i] = float32(100 + i)
	}
	ds, err := FromArrays(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if ds, err = ds.Batch(4, false); err != nil {
		t.Fatal(err)
	}
	all, err := ds.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].X == all[1].X {
		t.Fatalf("All: %d batches, first two share a tensor: %v", len(all), len(all) > 1 && all[0].X == all[1].X)
	}
	var firstX *tensor.Tensor
	i := 0
	for e, err := range ds.AllShared() {
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(e.X.Data(), all[i].X.Data()) || !slices.Equal(e.Y.Data(), all[i].Y.Data()) ||
			!slices.Equal(e.X.Shape(), all[i].X.Shape()) {
			t.Errorf("batch %d: AllShared gives x %v y %v, All x %v y %v", i, e.X.Data(), e.Y.Data(), all[i].X.Data(), all[i].Y.Data())
		}
		if i == 0 {
			firstX = e.X
		} else if i == 1 && e.X != firstX {
			t.Errorf("batch 2: AllShared made a new tensor for a full batch")
		}
		i++
	}
	if i != 3 {
		t.Errorf("AllShared yielded %d batches, want 3", i)
	}
	// A dataset that is not a batched FromArrays is read as All reads it.
	m, err := ds.Map(func(e Element) (Element, error) { return e, nil }, 1)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range m.AllShared() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Errorf("Map(...).AllShared yielded %d batches, want 3", n)
	}
}
