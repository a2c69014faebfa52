package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the prepared statements of the hottest reads (a session by
// id, an API key by hash, …), so SQLite does not compile them again on every
// call. database/sql prepares each one lazily on every connection that runs it.
type stmtCache struct {
	mu    sync.Mutex
	stmts sync.Map // query as written -> *sql.Stmt
	all   []*sql.Stmt
}

func newStmtCache() *stmtCache { return &stmtCache{} }

// get returns the statement for query on db, preparing it once as rebind(query).
func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string, rebind func(string) string) (*sql.Stmt, error) {
	if st, ok := c.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, rebind(query))
	if err != nil {
		return nil, err
	}
	c.stmts.Store(query, st)
	c.all = append(c.all, st)
	return st, nil
}

// close closes every statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.all {
		_ = st.Close()
	}
	c.all = nil
	c.stmts.Clear()
}

// readRow runs a hot single-row read through a cached statement on the reader.
func (s *Store) readRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := s.readStmts.get(ctx, s.reader, query, s.q)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

// readOne reads one row with query on the reader and scans it;
// CodeNotFound (missing) when there is none.
func readOne[T any](ctx context.Context, s *Store, scan func(sc scanner, extra ...any) (T, error), op, missing, query string, args ...any) (T, error) {
	row, err := s.readRow(ctx, query, args...)
	if err != nil {
		var zero T
		return zero, s.fail(err, op, missing, "")
	}
	v, err := scan(row)
	return v, s.fail(err, op, missing, "")
}

// writeStmt returns a hot write's cached statement on the writer, bound to
// tx when tx is not nil. Inside a transaction it never prepares on the
// writer pool: SQLite's only writer connection is the transaction's, so that
// would wait forever. A statement not cached yet (inTx warms the cache
// first) is prepared on the transaction instead.
func (s *Store) writeStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if tx == nil {
		return s.writeStmts.get(ctx, s.writer, query, s.q)
	}
	if st, ok := s.writeStmts.stmts.Load(query); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, s.q(query))
}

// prepareWrites prepares on the writer, outside any transaction, the
// statements a transaction is about to run through writeStmt that are not
// cached yet (those txStatements does not list: built at run time, or of
// one dialect). Inside the transaction they are then bound, not compiled.
//
// Only on SQLite: on PostgreSQL a statement prepared on the pool is prepared
// again on a transaction's connection for that transaction alone (one more
// round trip each time), while the driver already caches the statements it
// runs per connection; there queryRowTx and execTx run the query as written.
func (s *Store) prepareWrites(ctx context.Context, queries ...string) error {
	if s.dialect.Name == "postgres" {
		return nil
	}
	for _, q := range queries {
		if _, err := s.writeStmts.get(ctx, s.writer, q, s.q); err != nil {
			return err
		}
	}
	return nil
}

// queryRowTx runs a single-row query in tx: on SQLite through the cached
// statement (prepareWrites before the transaction), on PostgreSQL as written.
func (s *Store) queryRowTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Row, error) {
	if s.dialect.Name == "postgres" {
		return tx.QueryRowContext(ctx, s.q(query), args...), nil
	}
	st, err := s.writeStmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

// execTx runs a write in tx like queryRowTx.
func (s *Store) execTx(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	if s.dialect.Name == "postgres" {
		_, err := tx.ExecContext(ctx, s.q(query), args...)
		return err
	}
	st, err := s.writeStmt(ctx, tx, query)
	if err == nil {
		_, err = st.ExecContext(ctx, args...)
	}
	return err
}

// txStatements are the writes prepared before the first transaction, and
// sqliteTxStatements those of SQLite alone.
var (
	txStatements       = []string{insertEvent, insertMessage}
	sqliteTxStatements = []string{insertEventsJSON, insertMessagesJSON}
)

// warm prepares the statements transactions use, outside any transaction.
func (s *Store) warm(ctx context.Context) error {
	for _, q := range txStatements {
		if _, err := s.writeStmts.get(ctx, s.writer, q, s.q); err != nil {
			return err
		}
	}
	if s.dialect.Name == "postgres" {
		return nil
	}
	for _, q := range sqliteTxStatements {
		if _, err := s.writeStmts.get(ctx, s.writer, q, s.q); err != nil {
			return err
		}
	}
	return nil
}
