package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	driver "github.com/go-sql-driver/mysql"

	"github.com/rehome/rehome/providers"
)

// SnapshotWorkers is how many connections a snapshot opens when the
// server grants FLUSH TABLES WITH READ LOCK: that many ReadRows can
// stream at the snapshot at once; more wait for a free one.
const SnapshotWorkers = 4

// lockWaitSeconds bounds how long Snapshot waits for FLUSH TABLES WITH
// READ LOCK, during which the server holds back every write.
const lockWaitSeconds = 5

// snapshot is a set of connections whose transactions all started at one
// point of the server's history.
type snapshot struct {
	db    string
	free  chan *sql.Conn
	all   []*sql.Conn
	locks bool // taken under FLUSH TABLES WITH READ LOCK

	mu       sync.Mutex
	released bool
}

// put hands a connection back after a read; after release it ends the
// connection's transaction and closes it instead.
func (s *snapshot) put(c *sql.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		_, _ = c.ExecContext(context.Background(), "COMMIT")
		c.Close()
		return
	}
	s.free <- c // never blocks: the channel holds every connection
}

// release ends the transactions of the free connections (those still
// reading end theirs when their stream closes) and wakes every read
// waiting for one.
func (s *snapshot) release(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		return nil
	}
	s.released = true
	var errs []error
	for {
		select {
		case c := <-s.free:
			_, err := c.ExecContext(ctx, "COMMIT")
			errs = append(errs, err, c.Close())
			continue
		default:
		}
		break
	}
	close(s.free)
	return errors.Join(errs...)
}

// Snapshot opens consistent-snapshot transactions that every ReadRows and
// Fingerprint of db uses until release (as providers/postgres does with
// its exported snapshot). Where the user may take
// FLUSH TABLES WITH READ LOCK, it takes it briefly while SnapshotWorkers
// connections start their transactions, so they all see one point; where
// the lock is denied (many managed servers), one connection holds the
// snapshot and reads run one after another. position is the binary-log
// file:offset the snapshot corresponds to ("" with the binary log off, or
// on MySQL without the lock). release ends the transactions.
func (p *Provider) Snapshot(ctx context.Context, db string) (string, string, func() error, error) {
	pool, srv, err := p.pool(ctx)
	if err != nil {
		return "", "", nil, err
	}
	what := "snapshot of " + db
	p.mu.Lock()
	held := p.snaps[db] != nil
	p.mu.Unlock()
	if held {
		return "", "", nil, p.fail(what, errors.New("a snapshot of this database is already held"))
	}
	first, err := pool.Conn(ctx)
	if err != nil {
		return "", "", nil, p.fail(what, err)
	}
	s := &snapshot{db: db, all: []*sql.Conn{first}}
	closeAll := func() {
		for _, c := range s.all {
			_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			c.Close()
		}
	}
	// The lock waits for running statements and blocks every writer while
	// it waits: give up after a few seconds rather than stall the source,
	// and take the one-connection snapshot instead.
	wait := p.lockWait
	if wait == 0 {
		wait = lockWaitSeconds
	}
	_, err = first.ExecContext(ctx, fmt.Sprintf("SET SESSION lock_wait_timeout = %d", wait))
	if err == nil {
		_, err = first.ExecContext(ctx, "FLUSH TABLES WITH READ LOCK")
	}
	var me *driver.MySQLError
	switch {
	case err == nil:
		s.locks = true
	case errors.As(err, &me) && (me.Number == 1227 || me.Number == 1044 || me.Number == 1045):
		p.log.Info("mysql: FLUSH TABLES WITH READ LOCK denied; the snapshot reads through one connection", "env", p.env)
	case errors.As(err, &me) && me.Number == 1205:
		p.log.Info("mysql: FLUSH TABLES WITH READ LOCK waited too long (a long statement is running); the snapshot reads through one connection", "env", p.env)
	default:
		closeAll()
		return "", "", nil, p.fail(what, fmt.Errorf("flush tables with read lock: %w", err))
	}
	begin := func(c *sql.Conn) error {
		if _, err := c.ExecContext(ctx, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
			return err
		}
		_, err := c.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
		return err
	}
	var position string
	if s.locks {
		for len(s.all) < SnapshotWorkers {
			c, err := pool.Conn(ctx)
			if err != nil {
				_, _ = first.ExecContext(context.WithoutCancel(ctx), "UNLOCK TABLES")
				closeAll()
				return "", "", nil, p.fail(what, err)
			}
			s.all = append(s.all, c)
		}
		// Under the lock nothing commits: the position and every
		// transaction below see the same point.
		// (START TRANSACTION keeps the global read lock; UNLOCK TABLES
		// after it does not commit: mysqldump --single-transaction does
		// the same.)
		position, err = binlogPosition(ctx, first)
		for _, c := range s.all {
			if err == nil {
				err = begin(c)
			}
		}
		if _, uerr := first.ExecContext(ctx, "UNLOCK TABLES"); err == nil {
			err = uerr
		}
	} else {
		err = begin(first)
		if err == nil && srv.mariadb {
			// MariaDB reports the binlog position of the snapshot itself.
			position, err = mariadbSnapshotPosition(ctx, first)
		}
	}
	if err != nil {
		closeAll()
		return "", "", nil, p.fail(what, err)
	}
	s.free = make(chan *sql.Conn, len(s.all))
	for _, c := range s.all {
		s.free <- c
	}
	p.mu.Lock()
	if p.snaps == nil {
		p.snaps = map[string]*snapshot{}
	}
	if p.snaps[db] != nil {
		p.mu.Unlock()
		closeAll()
		return "", "", nil, p.fail(what, errors.New("a snapshot of this database is already held"))
	}
	p.nextSID++
	id := fmt.Sprintf("mysql-snapshot-%d", p.nextSID)
	p.snaps[db] = s
	p.mu.Unlock()
	release := func() error {
		p.mu.Lock()
		if p.snaps[db] == s {
			delete(p.snaps, db)
		}
		p.mu.Unlock()
		return p.fail("release "+what, s.release(context.WithoutCancel(ctx)))
	}
	return id, position, release, nil
}

// binlogPosition reads SHOW MASTER STATUS (SHOW BINARY LOG STATUS on
// MySQL 8.4+) as file:position; "" with the binary log off.
func binlogPosition(ctx context.Context, c *sql.Conn) (string, error) {
	rows, err := c.QueryContext(ctx, "SHOW MASTER STATUS")
	var me *driver.MySQLError
	if errors.As(err, &me) && me.Number == 1064 {
		rows, err = c.QueryContext(ctx, "SHOW BINARY LOG STATUS")
	}
	if err != nil {
		return "", fmt.Errorf("binary log position: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	if !rows.Next() {
		return "", rows.Err() // binary log off
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return "", err
	}
	if len(vals) < 2 || vals[0].String == "" {
		return "", nil
	}
	return vals[0].String + ":" + vals[1].String, nil
}

// mariadbSnapshotPosition reads binlog_snapshot_file and
// binlog_snapshot_position, which MariaDB keeps for the session's
// consistent snapshot; "" with the binary log off.
func mariadbSnapshotPosition(ctx context.Context, c *sql.Conn) (string, error) {
	rows, err := c.QueryContext(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'")
	if err != nil {
		return "", fmt.Errorf("binary log position: %w", err)
	}
	defer rows.Close()
	var file, pos string
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return "", err
		}
		switch strings.ToLower(k) {
		case "binlog_snapshot_file":
			file = v
		case "binlog_snapshot_position":
			pos = v
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if file == "" {
		return "", nil
	}
	return file + ":" + pos, nil
}

// readConn returns the connection a read uses: one of the snapshot's
// while a snapshot of db is held (waiting for a free one), else a fresh
// one from the pool.
func (p *Provider) readConn(ctx context.Context, pool *sql.DB, db string) (*sql.Conn, func(), error) {
	p.mu.Lock()
	s := p.snaps[db]
	p.mu.Unlock()
	if s == nil {
		c, err := pool.Conn(ctx)
		if err != nil {
			return nil, nil, err
		}
		return c, func() { c.Close() }, nil
	}
	select {
	case c, ok := <-s.free:
		if !ok {
			return nil, nil, errors.New("the snapshot was released while this read waited for it")
		}
		return c, func() { s.put(c) }, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

var _ providers.SnapshotPlanner = (*Provider)(nil)

// SnapshotReaders says how many reads a snapshot will serve at once, from
// the user's privileges (it takes no lock): SnapshotWorkers with RELOAD
// (what FLUSH TABLES WITH READ LOCK needs), else 1. Snapshot itself falls
// back to one connection whenever the lock is denied.
func (p *Provider) SnapshotReaders(ctx context.Context, db string) (int, string, error) {
	pool, _, err := p.pool(ctx)
	if err != nil {
		return 0, "", err
	}
	var n int
	err = pool.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES
		WHERE PRIVILEGE_TYPE = 'RELOAD' AND GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')`).Scan(&n)
	if err != nil {
		return 0, "", p.fail("read privileges", err)
	}
	if n == 0 {
		return 1, "the user lacks RELOAD, so FLUSH TABLES WITH READ LOCK is denied: one connection holds the consistent snapshot and tables are read one after another", nil
	}
	return SnapshotWorkers, "", nil
}
