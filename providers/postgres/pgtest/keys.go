package pgtest

import (
	"context"
	"testing"
)

// InvalidUniqueIndex runs CREATE UNIQUE INDEX CONCURRENTLY ddl on the
// database at url over duplicate values: the build fails and leaves the
// index INVALID, in the catalog but not enforced, as a failed build on a
// live server does. The test fails if the build succeeds.
func InvalidUniqueIndex(t testing.TB, url, ddl string) {
	t.Helper()
	ctx := context.Background()
	conn := connect(t, url)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE UNIQUE INDEX CONCURRENTLY "+ddl); err == nil {
		t.Fatalf("unique index %s was created: the values hold no duplicates", ddl)
	}
}
