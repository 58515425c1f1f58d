package mysql

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rehome/rehome/providers"
)

func TestDatabasesAndDiscover(t *testing.T) {
	p, db := testDB(t, fixture...)
	ctx := context.Background()
	dbs, err := p.Databases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found *providers.Database
	for i, d := range dbs {
		if systemSchemas[strings.ToLower(d.Name)] {
			t.Errorf("system schema %s listed", d.Name)
		}
		if d.Name == db {
			found = &dbs[i]
		}
	}
	if found == nil {
		t.Fatalf("database %s not listed in %v", db, dbs)
	}
	if found.Engine != "mysql" || !strings.Contains(found.Version, "MariaDB") || found.Bytes <= 0 {
		t.Errorf("database = %+v", *found)
	}

	inv, err := p.Discover(ctx, providers.Scope{Kinds: []providers.Kind{providers.KindDatabase}, Source: true})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := inv.Find(providers.TypeDatabase, db)
	if !ok {
		t.Fatalf("discover did not list %s", db)
	}
	if r.Kind != providers.KindDatabase || r.Attrs[providers.AttrEngine] != "mariadb" || r.Usage.Rows <= 0 || r.ID != "mysql://"+serverAddr+"#"+db {
		t.Errorf("resource = %+v", r)
	}
	inv, err = p.Discover(ctx, providers.Scope{Kinds: []providers.Kind{providers.KindStorage}})
	if err != nil || len(inv.Resources) != 0 {
		t.Errorf("discover of storage = %v, %v", inv, err)
	}
}

func TestCreateDropDatabase(t *testing.T) {
	p, db := testDB(t)
	ctx := context.Background()
	name := db + "_x"
	if err := p.CreateDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.DropDatabase(context.Background(), name) })
	if err := p.CreateDatabase(ctx, name); !errors.Is(err, providers.ErrExists) {
		t.Errorf("second create = %v, want ErrExists", err)
	}
	if err := p.DropDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := p.DropDatabase(ctx, name); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("second drop = %v, want ErrNotFound", err)
	}
}

func TestSourceOnly(t *testing.T) {
	p := configured(t, "mysql://root@"+serverAddr+"/")
	ctx := context.Background()
	if err := p.ApplySchema(ctx, "d", providers.DBSchema{}, true); !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("ApplySchema = %v", err)
	}
	if err := p.FinishSchema(ctx, "d", providers.DBSchema{}); !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("FinishSchema = %v", err)
	}
	if _, err := p.WriteRows(ctx, "d", "t", providers.KeyRange{}, &sliceStream{}); !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("WriteRows = %v", err)
	}
	caps := Factory().Caps
	if caps.Role(providers.KindDatabase) != providers.Source {
		t.Errorf("role = %v, want source", caps.Role(providers.KindDatabase))
	}
}

// TestSnapshot: rows written after the snapshot are not seen by reads at
// it, from any of its connections at once, while plain reads see them.
func TestSnapshot(t *testing.T) {
	p, db := testDB(t, "CREATE TABLE t (id int NOT NULL PRIMARY KEY, v varchar(10))", "INSERT INTO t VALUES (1, 'one'), (2, 'two')")
	ctx := context.Background()
	id, pos, release, err := p.Snapshot(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if pos != "" {
		t.Logf("position %s", pos) // the binary log is off on the test server
	}
	released := false
	defer func() {
		if !released {
			release()
		}
	}()
	exec(t, "INSERT INTO "+qualified(db, "t")+" VALUES (3, 'three')", "UPDATE "+qualified(db, "t")+" SET v = 'uno' WHERE id = 1")
	var wg sync.WaitGroup
	results := make([][]providers.Row, SnapshotWorkers+2) // more readers than connections: some wait
	errs := make([]error, len(results))
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := p.ReadRows(ctx, db, "t", providers.KeyRange{})
			if err != nil {
				errs[i] = err
				return
			}
			for {
				r, ok := s.Next(ctx)
				if !ok {
					break
				}
				results[i] = append(results[i], r)
			}
			errs[i] = errors.Join(s.Err(), s.Close())
		}()
	}
	wg.Wait()
	for i, rows := range results {
		if errs[i] != nil {
			t.Fatalf("reader %d: %v", i, errs[i])
		}
		if len(rows) != 2 || rows[0][1] != "one" {
			t.Errorf("reader %d at the snapshot saw %v", i, rows)
		}
	}
	fp, err := p.Fingerprint(ctx, db, "t")
	if err != nil || fp.Rows != 2 {
		t.Errorf("fingerprint at the snapshot = %+v, %v", fp, err)
	}
	other := configured(t, "mysql://root@"+serverAddr+"/") // holds no snapshot
	s, err := other.ReadRows(ctx, db, "t", providers.KeyRange{})
	if err != nil {
		t.Fatal(err)
	}
	if now := readAll(t, s); len(now) != 3 || now[0][1] != "uno" {
		t.Errorf("read outside the snapshot saw %v", now)
	}
	if _, _, _, err := p.Snapshot(ctx, db); err == nil || !strings.Contains(err.Error(), "already held") {
		t.Errorf("second snapshot of one database: %v", err)
	}
	released = true
	if err := release(); err != nil {
		t.Fatal(err)
	}
	s, err = p.ReadRows(ctx, db, "t", providers.KeyRange{})
	if err != nil {
		t.Fatal(err)
	}
	if now := readAll(t, s); len(now) != 3 {
		t.Errorf("read after release saw %v", now)
	}
	if id == "" {
		t.Error("empty snapshot id")
	}
}

// TestSnapshotWithoutLockPrivilege: a user without RELOAD (as on managed
// servers) gets a one-connection snapshot, and reads at it still see the
// data as it was.
func TestSnapshotWithoutLockPrivilege(t *testing.T) {
	_, db := testDB(t, "CREATE TABLE t (id int NOT NULL PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	ctx := context.Background()
	user := strings.Replace(db, "rehome_test_", "rt_", 1) // user names are at most 32 characters
	const pw = "Snapshot-Pw-1"
	exec(t, "CREATE USER '"+user+"'@'%' IDENTIFIED BY '"+pw+"'",
		"GRANT SELECT, SHOW VIEW ON "+quoteIdent(db)+".* TO '"+user+"'@'%'")
	t.Cleanup(func() { exec(t, "DROP USER '"+user+"'@'%'") })
	p := configured(t, "mysql://"+user+":"+pw+"@"+serverAddr+"/"+db)
	if n, why, err := p.SnapshotReaders(ctx, db); err != nil || n != 1 || !strings.Contains(why, "RELOAD") {
		t.Errorf("SnapshotReaders = %d, %q, %v; want 1 and why", n, why, err)
	}
	if n, _, err := configured(t, "mysql://root@"+serverAddr+"/").SnapshotReaders(ctx, db); err != nil || n != SnapshotWorkers {
		t.Errorf("root's SnapshotReaders = %d, %v", n, err)
	}
	_, _, release, err := p.Snapshot(ctx, db)
	if err != nil {
		t.Fatalf("snapshot without RELOAD: %v", err)
	}
	defer release()
	p.mu.Lock()
	n := len(p.snaps[db].all)
	p.mu.Unlock()
	if n != 1 {
		t.Errorf("snapshot holds %d connections, want 1", n)
	}
	exec(t, "INSERT INTO "+qualified(db, "t")+" VALUES (2)")
	fp, err := p.Fingerprint(ctx, db, "t")
	if err != nil || fp.Rows != 1 {
		t.Errorf("fingerprint at the snapshot = %+v, %v", fp, err)
	}
}

// TestSnapshotLockWait: when FLUSH TABLES WITH READ LOCK cannot be had
// quickly (a session holds a table lock), Snapshot gives up on it instead
// of holding back the source's writers, and takes the one-connection
// snapshot.
func TestSnapshotLockWait(t *testing.T) {
	p, db := testDB(t, "CREATE TABLE t (id int NOT NULL PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	ctx := context.Background()
	p.lockWait = 1
	holder := configured(t, "mysql://root@"+serverAddr+"/")
	pool, _, err := holder.pool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "LOCK TABLES "+qualified(db, "t")+" WRITE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, release, err := p.Snapshot(ctx, db)
	if err != nil {
		t.Fatalf("snapshot while a table is locked: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("snapshot waited %v", d)
	}
	p.mu.Lock()
	n := len(p.snaps[db].all)
	p.mu.Unlock()
	if n != 1 {
		t.Errorf("snapshot holds %d connections, want 1", n)
	}
	if _, err := conn.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
		t.Fatal(err)
	}
	if fp, err := p.Fingerprint(ctx, db, "t"); err != nil || fp.Rows != 1 {
		t.Errorf("fingerprint at the snapshot = %+v, %v", fp, err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotReleaseWithOpenStream: release does not wait for a stream
// its caller never closed; the stream's connection is closed when it is.
func TestSnapshotReleaseWithOpenStream(t *testing.T) {
	p, db := testDB(t, "CREATE TABLE t (id int NOT NULL PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
	ctx := context.Background()
	_, _, release, err := p.Snapshot(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.ReadRows(ctx, db, "t", providers.KeyRange{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- release() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("release waited for an open stream")
	}
	if rows := readAll(t, s); len(rows) != 2 {
		t.Errorf("the open stream read %v", rows)
	}
	s2, err := p.ReadRows(ctx, db, "t", providers.KeyRange{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := readAll(t, s2); len(rows) != 2 {
		t.Errorf("a read after release read %v", rows)
	}
}
