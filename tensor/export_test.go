package tensor

// SetChunkFloats sets the size of Conv2D's im2col chunks, so that tests
// can cut small batches into several chunks, and returns a function that
// restores it.
func SetChunkFloats(n int) (restore func()) {
	old := chunkFloats
	chunkFloats = n
	return func() { chunkFloats = old }
}
