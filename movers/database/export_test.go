package database

// SetChunkRows sets the rows per key range for a test and returns the
// function that puts it back.
func SetChunkRows(n int) func() {
	old := chunkRows
	chunkRows = n
	return func() { chunkRows = old }
}

// SetSplitRows sets the rows from which a table is cut into ranges for
// several workers, and returns the function that puts it back.
func SetSplitRows(n int64) func() {
	old := splitRows
	splitRows = n
	return func() { splitRows = old }
}
