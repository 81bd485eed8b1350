package tensor

// SetChunkFloats sets the size of the chunks that convolutions work on
// (direct outputs and im2col matrices alike), so that tests can cut small
// batches into several chunks, and returns a function that restores it.
func SetChunkFloats(n int) (restore func()) {
	oldChunk, oldCols := chunkFloats, colsFloats
	chunkFloats, colsFloats = n, n
	return func() { chunkFloats, colsFloats = oldChunk, oldCols }
}

// SetWinograd turns the Winograd path of 3×3 convolutions on or off and
// returns a function that restores the setting.
func SetWinograd(on bool) (restore func()) {
	old := winogradOn
	winogradOn = on
	return func() { winogradOn = old }
}
