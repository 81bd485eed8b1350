package kerasfile

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/neuron-go/neuron/internal/vec"
)

// Reading a weight and checking that it is finite are one pass: a large
// dataset stored in place is read in blocks small enough to stay in the
// processor's cache while they are checked, by as many goroutines as
// GOMAXPROCS allows, each block straight into the tensor's storage. The
// result, and the error reported when several blocks fail, do not depend
// on how many goroutines ran.

// readBlock is the number of elements read and checked at a time.
const readBlock = 1 << 18 // 1 MiB of float32

// readChecked reads d into dst and, when name is not empty, refuses
// values that are NaN or infinite, naming the weight.
func readChecked(d h5Dataset, dst []float32, name, where string) error {
	blocks := (len(dst) + readBlock - 1) / readBlock
	workers := min(runtime.GOMAXPROCS(0), blocks)
	if workers < 2 || !d.inPlace() {
		if err := d.readFloat32(dst); err != nil {
			return invalidf("%s: %v", where, err)
		}
		return finiteErr(dst, 0, name)
	}
	errs := make([]error, blocks)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			// Blocks are taken in order, so that every block before a
			// failed one has been taken and is finished by the time Wait
			// returns: the first error is the same however many ran.
			for !failed.Load() {
				b := int(next.Add(1) - 1)
				if b >= blocks {
					return
				}
				start := b * readBlock
				part := dst[start:min(start+readBlock, len(dst))]
				if err := d.readFloat32At(part, start); err != nil {
					errs[b] = invalidf("%s: %v", where, err)
				} else {
					errs[b] = finiteErr(part, start, name)
				}
				if errs[b] != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// finiteErr refuses a NaN or infinite value of d, the elements of weight
// name from index start; an empty name checks nothing.
func finiteErr(d []float32, start int, name string) error {
	if name == "" || vec.AllFinite(d) {
		return nil
	}
	for i, v := range d {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return invalidf("weight %s holds %v at index %d", name, v, start+i)
		}
	}
	return nil
}
