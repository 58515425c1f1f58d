package database

// SetChunkRows sets the rows per key range for a test and returns the
// function that puts it back.
func SetChunkRows(n int) func() {
	old := chunkRows
	chunkRows = n
	return func() { chunkRows = old }
}
