package hugepage

import "testing"

// TestFloatsBytes checks that the buffers are what make returns: the
// length asked for, zeroed, small and large.
func TestFloatsBytes(t *testing.T) {
	for _, n := range []int{0, 1, 1000, MinBytes/4 + 3} {
		f := Floats(n)
		if len(f) != n || cap(f) != n {
			t.Fatalf("Floats(%d): len %d cap %d", n, len(f), cap(f))
		}
		for i, v := range f {
			if v != 0 {
				t.Fatalf("Floats(%d)[%d] = %v", n, i, v)
			}
		}
		f = nil
		b := Bytes(4 * n)
		if len(b) != 4*n {
			t.Fatalf("Bytes(%d): len %d", 4*n, len(b))
		}
		for i, v := range b {
			if v != 0 {
				t.Fatalf("Bytes(%d)[%d] = %v", 4*n, i, v)
			}
		}
	}
}
