package data

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/neuron-go/neuron/tensor"
)

// Batch returns a Dataset whose elements stack size consecutive elements
// of d along a new first axis, like tf.data's batch. The last batch has
// fewer elements if d's count is not a multiple of size, unless
// dropRemainder is true, in which case it is left out. Elements of one
// batch must have the same shapes; an error names the first that does
// not.
func (d *Dataset) Batch(size int, dropRemainder bool) (*Dataset, error) {
	if size < 1 {
		return nil, fmt.Errorf("data: Batch: batch_size must be at least 1, got %d", size)
	}
	if a := d.arrays; a != nil {
		b := New(func(yield func(Element) bool) error {
			return a.batches(size, dropRemainder, false, yield)
		})
		b.runShared = func(yield func(Element) bool) error {
			return a.batches(size, dropRemainder, true, yield)
		}
		return b, nil
	}
	return New(func(yield func(Element) bool) error {
		var pending []Element
		i := 0
		flush := func() bool {
			e := stack(pending)
			pending = pending[:0]
			return yield(e)
		}
		var stopped bool
		var shapeErr error
		err := d.run(func(e Element) bool {
			if len(pending) > 0 && !sameParts(e, pending[0]) {
				shapeErr = fmt.Errorf("data: Batch: element %d has %s; element %d of its batch has %s",
					i, e.Describe(), i-len(pending), pending[0].Describe())
				return false
			}
			i++
			pending = append(pending, e)
			if len(pending) == size && !flush() {
				stopped = true
				return false
			}
			return true
		})
		if shapeErr != nil {
			return shapeErr
		}
		if err != nil || stopped {
			return err
		}
		if len(pending) > 0 && !dropRemainder {
			flush()
		}
		return nil
	}), nil
}

func shapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape()
}

// sameParts reports whether a and b have the same layout and shapes.
func sameParts(a, b Element) bool {
	if a.layout() != b.layout() {
		return false
	}
	pa, pb := a.parts(), b.parts()
	for i := range pa {
		if !sameShape(pa[i], pb[i]) {
			return false
		}
	}
	return true
}

// stack joins elements of equal layouts and shapes along a new first axis.
func stack(es []Element) Element {
	l := es[0].layout()
	all := make([][]*tensor.Tensor, len(es))
	for i, e := range es {
		all[i] = e.parts()
	}
	out := make([]*tensor.Tensor, len(all[0]))
	for k := range out {
		first := all[0][k]
		buf := make([]float32, 0, first.Size()*len(es))
		for _, ps := range all {
			buf = append(buf, ps[k].Data()...)
		}
		out[k] = tensor.FromSlice(buf, append([]int{len(es)}, first.Shape()...)...)
	}
	return l.element(out)
}

// Unbatch returns a Dataset of the slices along the first axis of d's
// elements, the inverse of Batch. Every tensor of an element (X, Y, Xs,
// Ys, W) must have an axis, of the same length.
func (d *Dataset) Unbatch() *Dataset {
	return New(func(yield func(Element) bool) error {
		var bad error
		err := d.run(func(e Element) bool {
			ps, l := e.parts(), e.layout()
			rows := -1
			for _, p := range ps {
				if p.Rank() == 0 || (rows >= 0 && p.Dim(0) != rows) {
					rows = -2
					break
				}
				rows = p.Dim(0)
			}
			if rows < 0 {
				bad = fmt.Errorf("data: Unbatch: element of %s has no common first axis", e.Describe())
				return false
			}
			for i := range rows {
				o := make([]*tensor.Tensor, len(ps))
				for k, p := range ps {
					o[k] = row(p, i)
				}
				if !yield(l.element(o)) {
					return false
				}
			}
			return true
		})
		if bad != nil {
			return bad
		}
		return err
	})
}

// row returns row i of t as a view, a scalar for a vector.
func row(t *tensor.Tensor, i int) *tensor.Tensor {
	s := t.Slice(i, i+1)
	return reshaped(s.Data(), t.Shape()[1:])
}

// Shuffle returns a Dataset of d's elements in a random order drawn with
// tf.data's buffer algorithm: a buffer is filled with the first
// bufferSize elements, and each element returned is drawn uniformly from
// the buffer, its place taken by the next element of d. A buffer at
// least as large as d gives a uniform shuffle. The order is reshuffled at
// each iteration (reshuffle_each_iteration=True): iteration k, counted
// from 0, uses a generator seeded from seed and k, so a program that
// reads the dataset the same way gets the same orders.
func (d *Dataset) Shuffle(bufferSize int, seed uint64) (*Dataset, error) {
	if bufferSize < 1 {
		return nil, fmt.Errorf("data: Shuffle: buffer_size must be at least 1, got %d", bufferSize)
	}
	var epoch atomic.Uint64
	return New(func(yield func(Element) bool) error {
		rng := rand.New(rand.NewPCG(seed, epoch.Add(1)-1))
		buf := make([]Element, 0, min(bufferSize, 1<<16))
		draw := func() Element {
			j := rng.IntN(len(buf))
			e := buf[j]
			buf[j] = buf[len(buf)-1]
			buf = buf[:len(buf)-1]
			return e
		}
		stopped := false
		err := d.run(func(e Element) bool {
			buf = append(buf, e)
			if len(buf) < bufferSize {
				return true
			}
			if !yield(draw()) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil || stopped {
			return err
		}
		for len(buf) > 0 {
			if !yield(draw()) {
				return nil
			}
		}
		return nil
	}), nil
}

// Repeat returns a Dataset that reads d count times over; count < 0
// repeats it forever.
func (d *Dataset) Repeat(count int) *Dataset {
	return New(func(yield func(Element) bool) error {
		for k := 0; count < 0 || k < count; k++ {
			stopped, any := false, false
			err := d.run(func(e Element) bool {
				any = true
				if !yield(e) {
					stopped = true
					return false
				}
				return true
			})
			if err != nil || stopped {
				return err
			}
			if !any && count < 0 {
				return nil // an empty dataset repeated forever is empty
			}
		}
		return nil
	})
}

// Take returns a Dataset of d's first n elements, or all of them if n < 0
// (tf.data's take(-1)).
func (d *Dataset) Take(n int) *Dataset {
	if n < 0 {
		return d
	}
	return New(func(yield func(Element) bool) error {
		if n == 0 {
			return nil
		}
		k := 0
		return d.run(func(e Element) bool {
			k++
			return yield(e) && k < n
		})
	})
}

// Skip returns a Dataset of d's elements after the first n; n < 0 skips
// them all (tf.data's skip(-1)).
func (d *Dataset) Skip(n int) *Dataset {
	return New(func(yield func(Element) bool) error {
		k := 0
		return d.run(func(e Element) bool {
			if n < 0 || k < n {
				k++
				return true
			}
			return yield(e)
		})
	})
}

// Filter returns a Dataset of the elements of d for which keep returns
// true.
func (d *Dataset) Filter(keep func(Element) bool) *Dataset {
	return New(func(yield func(Element) bool) error {
		return d.run(func(e Element) bool {
			return !keep(e) || yield(e)
		})
	})
}

// Zip returns a Dataset whose elements take X from x's elements and Y from
// the X of y's, pairing a dataset of features with one of targets, like
// tf.data.Dataset.zip((x, y)). It ends with the shorter of the two.
func Zip(x, y *Dataset) *Dataset {
	return New(func(yield func(Element) bool) error {
		nextY, stop := iter.Pull2(y.All())
		defer stop()
		var yErr error
		err := x.run(func(e Element) bool {
			ye, err, ok := nextY()
			if !ok {
				return false
			}
			if err != nil {
				yErr = err
				return false
			}
			return yield(Element{X: e.X, Y: ye.X})
		})
		if yErr != nil {
			return yErr
		}
		return err
	})
}

// Cache returns a Dataset that keeps d's elements in memory the first time
// it is read to the end, and replays them afterwards without reading d. A
// first iteration that stops early or fails keeps nothing, so the next
// one reads d again.
func (d *Dataset) Cache() *Dataset {
	var mu sync.Mutex
	var cached []Element
	done := false
	return New(func(yield func(Element) bool) error {
		mu.Lock()
		if done {
			es := cached
			mu.Unlock()
			for _, e := range es {
				if !yield(e) {
					return nil
				}
			}
			return nil
		}
		mu.Unlock()
		var got []Element
		stopped := false
		err := d.run(func(e Element) bool {
			got = append(got, e)
			if !yield(e) {
				stopped = true
				return false
			}
			return true
		})
		if err == nil && !stopped {
			mu.Lock()
			if !done {
				cached, done = got, true
			}
			mu.Unlock()
		}
		return err
	})
}

// Prefetch returns a Dataset that reads up to n elements of d ahead, in a
// goroutine, while the consumer works on the current one. The goroutine
// ends before the iteration returns, even when the consumer stops early.
func (d *Dataset) Prefetch(n int) (*Dataset, error) {
	if n < 1 {
		return nil, fmt.Errorf("data: Prefetch: buffer_size must be at least 1, got %d", n)
	}
	return New(func(yield func(Element) bool) error {
		ch := make(chan Element, n)
		done := make(chan struct{})
		var err error
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(ch)
			err = d.run(func(e Element) bool {
				select {
				case ch <- e:
					return true
				case <-done:
					return false
				}
			})
		})
		for e := range ch {
			if !yield(e) {
				close(done)
				wg.Wait()
				return nil
			}
		}
		wg.Wait()
		return err
	}), nil
}

// Map returns a Dataset of fn applied to each element of d. With workers
// > 1, up to that many calls of fn run at once, in goroutines, and the
// results still come in d's order, so the dataset is the same whatever
// the worker count as long as fn depends only on its argument. An error
// from fn ends the iteration at that element. The goroutines end before
// the iteration returns, even when the consumer stops early.
func (d *Dataset) Map(fn func(Element) (Element, error), workers int) (*Dataset, error) {
	if workers < 1 {
		return nil, fmt.Errorf("data: Map: num_parallel_calls must be at least 1, got %d", workers)
	}
	if workers == 1 {
		return New(func(yield func(Element) bool) error {
			i := 0
			var fnErr error
			err := d.run(func(e Element) bool {
				o, err := fn(e)
				if err != nil {
					fnErr = fmt.Errorf("data: Map: element %d: %w", i, err)
					return false
				}
				i++
				return yield(o)
			})
			if fnErr != nil {
				return fnErr
			}
			return err
		}), nil
	}
	return New(func(yield func(Element) bool) error {
		return parallelMap(d, fn, workers, yield)
	}), nil
}

type mapResult struct {
	e   Element
	err error
}

type mapJob struct {
	e   Element
	out chan mapResult // buffered: a worker never blocks on it
}

// parallelMap runs fn on workers goroutines. A feeder reads d and hands
// each element both to the workers and, in order, to the consumer as the
// channel its result will arrive on; the order queue's capacity bounds
// how far the feeder runs ahead.
func parallelMap(d *Dataset, fn func(Element) (Element, error), workers int, yield func(Element) bool) error {
	jobs := make(chan mapJob)
	order := make(chan chan mapResult, workers)
	done := make(chan struct{})
	var wg sync.WaitGroup
	var inErr error
	wg.Go(func() {
		defer close(order)
		defer close(jobs)
		inErr = d.run(func(e Element) bool {
			out := make(chan mapResult, 1)
			select {
			case order <- out:
			case <-done:
				return false
			}
			select {
			case jobs <- mapJob{e, out}:
				return true
			case <-done:
				return false
			}
		})
	})
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				o, err := fn(j.e)
				j.out <- mapResult{o, err}
			}
		})
	}
	finish := func() {
		close(done)
		wg.Wait()
	}
	i := 0
	for out := range order {
		r := <-out
		if r.err != nil {
			finish()
			return fmt.Errorf("data: Map: element %d: %w", i, r.err)
		}
		if !yield(r.e) {
			finish()
			return nil
		}
		i++
	}
	wg.Wait()
	return inErr
}
