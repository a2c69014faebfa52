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
func (s *Store) prepareWrites(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if _, err := s.writeStmts.get(ctx, s.writer, q, s.q); err != nil {
			return err
		}
	}
	return nil
}

// txStatements are the writes prepared before the first transaction.
var txStatements = []string{insertEvent, insertMessage}

// warm prepares the statements transactions use, outside any transaction.
func (s *Store) warm(ctx context.Context) error {
	for _, q := range txStatements {
		if _, err := s.writeStmts.get(ctx, s.writer, q, s.q); err != nil {
			return err
		}
	}
	return nil
}
