package tensor

import (
	"bytes"
	"slices"
	"sync"
	"unsafe"
	"weak"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/winograd"
)

// winoCacheRows is the most tile rows (images × tiles per image) of an
// inference convolution whose Winograd filters come from winoCache. The
// filter transform is a product of 16·9·C·F multiplications, against
// 16·rows·C·F for the convolution itself: at one image of the course CNN's
// middle layer (36 tiles) it is a fifth of the layer's work, about 4 µs of
// a 38 µs prediction, and at 256 rows under 4%, where keeping a copy of
// the kernel and its transform stops paying for the memory.
const winoCacheRows = 256

// winoEntry is a kernel's transformed filters and the kernel's values they
// were computed from. Entries are never changed once made.
type winoEntry struct {
	w, u []float32
}

// winoCache keeps, per kernel tensor (held weakly: an entry goes with its
// kernel), the Winograd filters of its last inference at a small batch.
// A call uses them only if the kernel still holds the same values, bit for
// bit, so the convolution's results are those of computing them again;
// comparing the values costs about a fifth of transforming them.
var winoCache struct {
	mu sync.Mutex
	m  map[weak.Pointer[Tensor]]*winoEntry
}

// cachedWinoFilters returns the transformed filters of kernel w for p, from
// winoCache if they are there for w's current values, else computed and
// kept.
func (p *convPlan) cachedWinoFilters(w *Tensor) []float32 {
	key := weak.Make(w)
	winoCache.mu.Lock()
	e := winoCache.m[key]
	winoCache.mu.Unlock()
	if e != nil && len(e.w) == len(w.data) && bytes.Equal(floatBytes(e.w), floatBytes(w.data)) {
		return e.u
	}
	cf := p.g.c * p.f
	u := make([]float32, 16*cf)
	gemm.Sgemm(false, false, 16, cf, 9, winograd.FilterMatrix, 9, w.data, cf, 0, u, cf) // as winoFilters
	e = &winoEntry{w: slices.Clone(w.data), u: u}
	winoCache.mu.Lock()
	if winoCache.m == nil {
		winoCache.m = map[weak.Pointer[Tensor]]*winoEntry{}
	}
	for k := range winoCache.m {
		if k.Value() == nil {
			delete(winoCache.m, k)
		}
	}
	winoCache.m[key] = e
	winoCache.mu.Unlock()
	return u
}

// floatBytes is s's memory as bytes, to compare values bit for bit (NaNs
// and signed zeros included) at the speed of memory comparison.
func floatBytes(s []float32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))
}
