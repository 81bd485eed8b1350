package tensor

import (
	"slices"
	"testing"
)

// TestPrefetchRows checks that prefetching rows changes nothing, that the
// rows then gathered are the right ones, and that an out-of-range row
// panics as TakeRowsInto's does.
func TestPrefetchRows(t *testing.T) {
	const rows, width = 100, 37 // rows that straddle cache lines
	src := Zeros(rows, width)
	for i := range src.data {
		src.data[i] = float32(i)
	}
	before := slices.Clone(src.data)
	idx := []int{99, 0, 42, 42, 7}
	src.PrefetchRows(idx)
	src.PrefetchRows(nil)
	if !slices.Equal(src.data, before) {
		t.Fatal("PrefetchRows changed the tensor")
	}
	dst := Zeros(len(idx), width)
	src.TakeRowsInto(dst, idx)
	for i, r := range idx {
		for j := range width {
			if got, want := dst.data[i*width+j], float32(r*width+j); got != want {
				t.Fatalf("row %d, column %d: got %v, want %v", i, j, got, want)
			}
		}
	}
	for _, bad := range []int{-1, rows} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("PrefetchRows([%d]) did not panic", bad)
				}
			}()
			src.PrefetchRows([]int{bad})
		}()
	}
}
