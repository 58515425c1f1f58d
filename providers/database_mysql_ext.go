package providers

import "context"

// DBObject kinds beyond those listed on DBObject, used by the mysql
// provider. The mover reports them as findings naming the object, like
// the other kinds it cannot translate exactly.
const (
	// DBObjectIndex is an index the portable Index cannot hold exactly
	// (not in Table.Indexes): a FULLTEXT or SPATIAL index, a functional
	// index, a prefix index.
	DBObjectIndex = "index"
	// DBObjectTableOption is a table feature outside the portable Table,
	// such as MariaDB's system versioning.
	DBObjectTableOption = "table_option"
)

// SnapshotPlanner is implemented by Snapshotters whose snapshots can serve
// fewer parallel readers on some servers (MySQL or MariaDB without the
// privilege for FLUSH TABLES WITH READ LOCK, as on many managed servers),
// so the plan can say how the copy will read before apply: readers is how
// many ReadRows can stream at a snapshot at once (0: no limit), reason
// says why when it is limited.
type SnapshotPlanner interface {
	SnapshotReaders(ctx context.Context, db string) (readers int, reason string, err error)
}

// BadValueCounter is implemented by database sources that can count by
// query, without reading the rows out, the values ReadRows returns as
// BadValue, for the plan-time data-quality report of tables too large to
// scan. Samples are the key values (in key order) of at most samples rows
// with such a value in the column.
type BadValueCounter interface {
	CountBadValues(ctx context.Context, db string, t Table, samples int) ([]BadValueCount, error)
}

// BadValueCount is how many values of one column have one reason to be
// a BadValue, with sample keys.
type BadValueCount struct {
	Column  string
	Reason  string
	Count   int64
	Samples []Row
}
