package database

import "time"

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

// SetScanLimit sets the most rows of a table the plan scans through Go
// (bigger ones have their keys checked by query), and returns the
// function that puts it back.
func SetScanLimit(n int64) func() {
	old := scanLimit
	scanLimit = n
	return func() { scanLimit = old }
}

// SetProgressEvery sets how often a copy reports each table in flight,
// and returns the function that puts it back.
func SetProgressEvery(d time.Duration) func() {
	old := progressEvery
	progressEvery = d
	return func() { progressEvery = old }
}

// StatusText is statusText, for tests.
var StatusText = statusText
