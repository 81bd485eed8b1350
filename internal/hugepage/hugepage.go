// Package hugepage allocates the large buffers that a training step reads
// at random (a data set's rows, gathered into shuffled batches) so that
// Linux can back them with transparent huge pages.
//
// A batch of 32 shuffled MNIST rows as float32 touches 32 pages of 4 KiB
// scattered over 188 MB, each a TLB miss whose page walk goes through the
// hypervisor's tables too on a virtual machine; with 2 MiB pages the
// same rows are found in a few TLB entries. On a Linux whose
// transparent_hugepage setting is "madvise" (the common default), memory
// gets huge pages only when the program asks with madvise(MADV_HUGEPAGE)
// before first touching it, which is what these functions do for buffers
// of MinBytes or more. Elsewhere they are make.
package hugepage

// MinBytes is the smallest buffer worth asking huge pages for: smaller
// ones fit the TLB's reach with ordinary pages.
const MinBytes = 32 << 20

// Floats returns make([]float32, n), advised to use huge pages if it is
// large.
func Floats(n int) []float32 {
	d := make([]float32, n)
	if n >= MinBytes/4 {
		advise(sliceBytes(d))
	}
	return d
}

// Bytes returns make([]byte, n), advised to use huge pages if it is
// large.
func Bytes(n int) []byte {
	d := make([]byte, n)
	if n >= MinBytes {
		advise(d)
	}
	return d
}
