// Package sqlstore implements gateway.Store over database/sql, once, for both
// SQLite and PostgreSQL. The SQL is written with ? placeholders and explicit
// columns; a small Dialect rewrites placeholders and says what a driver error
// means, so this package imports no driver. The adapters in internal/sqlite
// and internal/postgres open the databases, run their own migrations and hand
// the pools to New.
//
// Writes go to the writer pool and reads to the reader pool: SQLite runs one
// writer connection (BEGIN IMMEDIATE) beside a pool of readers, PostgreSQL
// passes the same pool twice. A read that must see a write in progress runs
// inside the write's transaction.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// ErrKind is what a driver error means to the store.
type ErrKind int

// Kinds of driver errors a Dialect recognises.
const (
	// ErrOther is any error of no known kind: it stays internal.
	ErrOther ErrKind = iota
	// ErrUnique is a unique or primary key violation.
	ErrUnique
	// ErrForeignKey is a foreign key violation: the parent row is missing.
	ErrForeignKey
	// ErrUnavailable means the database cannot be reached or is too busy.
	ErrUnavailable
	// ErrBadValue is a value the column's type refuses (a malformed UUID),
	// so no row with it can exist.
	ErrBadValue
)

// Dialect is what differs between the databases behind a Store.
type Dialect struct {
	// Name is what Store.Dialect answers: "sqlite" or "postgres".
	Name string
	// NumberedParams rewrites each ? placeholder as $1, $2, … (PostgreSQL).
	NumberedParams bool
	// Classify tells what a driver error means; nil classifies every error as ErrOther.
	Classify func(error) ErrKind
	// MigrationPrelude is run first in the transaction that applies the
	// pending migrations; empty for none.
	MigrationPrelude string
}

// Store is gateway.Store over database/sql.
type Store struct {
	dialect Dialect
	reader  *sql.DB
	writer  *sql.DB
	log     *slog.Logger
	// Cached statements of the hottest queries, one cache per pool.
	readStmts, writeStmts *stmtCache
	// commits tells OnCommit's hook what each transaction stored.
	commits commitHooks
}

var _ gateway.Store = (*Store)(nil)

// New returns a Store that writes through writer and reads through reader
// (the same pool is fine). The Store owns both: Close closes them.
func New(d Dialect, reader, writer *sql.DB, log *slog.Logger) *Store {
	log = defaults.Logger(log)
	return &Store{dialect: d, reader: reader, writer: writer, log: log,
		readStmts: newStmtCache(), writeStmts: newStmtCache()}
}

// Dialect names the database ("sqlite" or "postgres").
func (s *Store) Dialect() string { return s.dialect.Name }

// Ping checks that both pools answer; CodeUnavailable when one does not.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return gateway.WrapError(err, gateway.CodeUnavailable, "The database is unavailable.")
	}
	if s.reader != s.writer {
		if err := s.reader.PingContext(ctx); err != nil {
			return gateway.WrapError(err, gateway.CodeUnavailable, "The database is unavailable.")
		}
	}
	return nil
}

// Close closes the prepared statements and both pools.
func (s *Store) Close() error {
	s.readStmts.close()
	s.writeStmts.close()
	err := s.writer.Close()
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

// querier is a pool or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs a read on the reader pool and scans every row with scan.
// The query is written with ? placeholders.
func queryAll[T any](ctx context.Context, s *Store, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	var list []T
	err := s.eachRow(ctx, query, args, func(sc scanner) error {
		v, err := scan(sc)
		list = append(list, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// eachRow runs a read on the reader pool and calls each with every row,
// stopping at the first error. The query is written with ? placeholders.
func (s *Store) eachRow(ctx context.Context, query string, args []any, each func(sc scanner) error) error {
	rows, err := s.reader.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// q rewrites a query written with ? for the dialect.
func (s *Store) q(query string) string {
	if !s.dialect.NumberedParams {
		return query
	}
	return numberParams(query)
}

// numberParams rewrites ? placeholders as $1, $2, …, leaving quoted text alone.
func numberParams(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	quote := byte(0)
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// inTx runs fn in a write transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := s.warm(ctx); err != nil {
		return err
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		s.commits.done(tx, false)
		return err
	}
	err = tx.Commit()
	s.commits.done(tx, err == nil)
	return err
}

// withinCap refuses, inside tx, a create that would take a tenant past max
// rows counted by countSQL (its one parameter is the tenant; max < 0: no
// cap). On PostgreSQL the tenant's user row is locked first, so one
// tenant's concurrent creates count one after another; SQLite's single
// writer (BEGIN IMMEDIATE) already serialises them.
func (s *Store) withinCap(ctx context.Context, tx *sql.Tx, userID, countSQL string, max int) error {
	if max < 0 {
		return nil
	}
	if s.dialect.Name == "postgres" {
		var id string
		if err := tx.QueryRowContext(ctx, s.q("SELECT id FROM users WHERE id = ? FOR UPDATE"), userID).Scan(&id); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q(countSQL), userID).Scan(&n); err != nil {
		return err
	}
	if n >= max {
		return &gateway.Error{Code: gateway.CodeQuotaExceeded, Message: fmt.Sprintf("The limit of %d is reached.", max),
			Details: map[string]any{"allowed": max, "used": n}}
	}
	return nil
}

// errUnavailable is the public sentence for a database that does not answer.
const errUnavailable = "The database is unavailable; try again shortly."

// fail translates err into the product's error at the edge: no row (or a
// value no row can have) is CodeNotFound naming missing, a foreign key
// violation is CodeNotFound naming the missing parent (passed as missing by
// writes), a unique violation is CodeConflict with the sentence conflict, an
// unreachable database is CodeUnavailable. Anything else stays internal,
// wrapped with op. *gateway.Error passes through.
func (s *Store) fail(err error, op, missing, conflict string) error {
	if err == nil {
		return nil
	}
	var ge *gateway.Error
	if errors.As(err, &ge) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return gateway.NotFound(missing)
	}
	kind := ErrOther
	if s.dialect.Classify != nil {
		kind = s.dialect.Classify(err)
	}
	switch kind {
	case ErrUnique:
		if conflict == "" {
			conflict = "It already exists."
		}
		return gateway.WrapError(err, gateway.CodeConflict, conflict)
	case ErrForeignKey, ErrBadValue:
		return gateway.WrapError(err, gateway.CodeNotFound, missing+" not found.")
	case ErrUnavailable:
		return gateway.WrapError(err, gateway.CodeUnavailable, errUnavailable)
	}
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, context.DeadlineExceeded) {
		return gateway.WrapError(err, gateway.CodeUnavailable, errUnavailable)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// now is the current time as the store keeps it: UTC, to the microsecond.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// stamp returns t as the store keeps it, or now when t is zero.
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		return now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// stampPtr returns *t as the store keeps it; nil stays nil.
func stampPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC().Truncate(time.Microsecond)
	return &v
}

// micros is t as stored: unix microseconds.
// partialUpdate is the SET list of an UPDATE that writes only what a
// report names.
type partialUpdate struct {
	sets []string
	args []any
}

func (u *partialUpdate) set(col string, v any) {
	u.sets = append(u.sets, col+" = ?")
	u.args = append(u.args, v)
}

// updateReturning applies u to the tenant's row id of table, returns it
// as stored (the returning columns, read by scan) and writes events in the
// same transaction. conflict is the message of a unique violation.
func updateReturning[T any](ctx context.Context, s *Store, table, returning, userID, id string, u *partialUpdate,
	scan func(scanner, ...any) (T, error), events []*gateway.Event, op, missing, conflict string) (T, error) {
	var v, zero T
	if err := prepareEvents(userID, events); err != nil {
		return zero, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		v, err = scan(tx.QueryRowContext(ctx, s.q("UPDATE "+table+" SET "+strings.Join(u.sets, ", ")+
			" WHERE id = ? AND user_id = ? RETURNING "+returning), append(u.args, id, userID)...))
		if err != nil {
			return s.fail(err, op, missing, conflict)
		}
		return s.insertEvents(ctx, tx, events)
	})
	if err != nil {
		return zero, s.fail(err, op, missing, "")
	}
	return v, nil
}

// newRow fills a new row's id and times: a fresh id unless one is given,
// created now unless given, updated as created unless given, all to the
// microsecond the columns keep.
func newRow(id *string, created, updated *time.Time) {
	*id = newID(*id)
	*created = stamp(*created)
	if updated.IsZero() {
		*updated = *created
	}
	*updated = stamp(*updated)
}

// insertWithin inserts a tenant's row (insert with args) and writes events
// in one transaction, refused with CodeQuotaExceeded when the tenant
// already has max rows as countSQL counts them (max < 0: no cap). conflict
// is the message of a unique violation.
func (s *Store) insertWithin(ctx context.Context, userID, countSQL string, max int, insert string, args []any,
	events []*gateway.Event, op, missing, conflict string) error {
	if err := prepareEvents(userID, events); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.withinCap(ctx, tx, userID, countSQL, max); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(insert), args...); err != nil {
			return s.fail(err, op, missing, conflict)
		}
		return s.insertEvents(ctx, tx, events)
	})
	return s.fail(err, op, missing, "")
}

// changed reports whether an Exec changed a row:
// changed(tx.ExecContext(…)).
func changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func micros(t time.Time) int64 { return t.UnixMicro() }

// sinceMicros is the lower bound of a "since" filter: everything when zero.
func sinceMicros(t time.Time) int64 {
	if t.IsZero() {
		return -1 << 63
	}
	return t.UnixMicro()
}

// nullMicros is *t as stored: NULL for nil.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros turns a stored time back into a time.Time.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// fromNullMicros turns a nullable stored time back into a *time.Time.
func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// nullString stores "" as NULL (nullable ids, WhatsApp ids).
func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// isUUID reports whether id can be a row's id. A filter on an id that
// cannot exist matches nothing in both databases, where PostgreSQL's UUID
// columns would otherwise refuse the query.
func isUUID(id string) bool { return uuid.Validate(id) == nil }

// canonicalUUID is id as the database writes it (lowercase, hyphenated),
// when id is a UUID in any of the forms uuid.Parse reads.
func canonicalUUID(id string) (string, bool) {
	u, err := uuid.Parse(strings.TrimSpace(id))
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// newID returns id, or a new UUID when it is empty.
func newID(id string) string {
	if id == "" {
		return uuid.NewString()
	}
	return id
}

// newRowID is newID for the tables written in time order at a high rate
// (messages, events): a new id is gateway.NewRowID's, time-ordered.
func newRowID(id string) string {
	if id == "" {
		return gateway.NewRowID()
	}
	return id
}

// marshal encodes v as JSON text for a JSON column.
func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// unmarshal decodes a JSON column into v; an empty column leaves v alone.
func unmarshal(data string, v any) error {
	if data == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(data), v); err != nil {
		return fmt.Errorf("decode json column: %w", err)
	}
	return nil
}

// listPage runs one page of a list: SELECT cols FROM table WHERE where
// ORDER BY order, with the total count of the where computed in the same
// statement (a window count). A page past the end has no rows to carry the
// total, so it costs a second count query.
// bySession is the condition of a tenant's list, narrowed to one session
// when sessionID is not "".
func bySession(userID, sessionID string) (string, []any) {
	if sessionID == "" {
		return "user_id = ?", []any{userID}
	}
	return "user_id = ? AND session_id = ?", []any{userID, sessionID}
}

func listPage[T any](ctx context.Context, s *Store, cols, table, where string, args []any, order string, p gateway.Page,
	scan func(sc scanner, extra ...any) (T, error)) ([]T, int, error) {
	p = p.Defaults()
	query := "SELECT " + cols + ", COUNT(*) OVER () FROM " + table + " WHERE " + where +
		" ORDER BY " + order + " LIMIT ? OFFSET ?"
	rows, err := s.reader.QueryContext(ctx, s.q(query), append(args[:len(args):len(args)], p.Limit, p.Offset())...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var (
		list  []T
		total int
	)
	for rows.Next() {
		v, err := scan(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(list) == 0 && p.Offset() > 0 {
		err := s.reader.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+table+" WHERE "+where), args...).Scan(&total)
		if err != nil {
			return nil, 0, err
		}
	}
	return list, total, nil
}

// count runs a SELECT COUNT(*) on the reader.
func (s *Store) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := s.reader.QueryRowContext(ctx, s.q(query), args...).Scan(&n)
	return n, err
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// jsonRows encodes rows of statement arguments as a JSON array of arrays,
// for a statement that reads them with jsonb_each: []byte as hex (the
// statement unhexes its BLOB columns), the rest as encoding/json writes it.
// jsonb_each, not json_each: json_each's value is a row's array as JSON
// text, made again for each of the row's columns a statement reads from it
// (4.7 % of a send's CPU for a message's 28), where jsonb_each's is the
// parsed binary form the ->> operator reads as it is. Text must be valid
// UTF-8 (encoding/json would replace a stray byte), as what these batches
// carry is: JSON requests, and strings WhatsApp's protobuf has validated.
func jsonRows(rows [][]any) (string, error) {
	out := make([][]any, len(rows))
	for i, row := range rows {
		out[i] = make([]any, len(row))
		for k, v := range row {
			if b, ok := v.([]byte); ok {
				v = hex.EncodeToString(b)
			}
			out[i][k] = v
		}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode rows: %w", err)
	}
	return string(raw), nil
}

// rowsPerInsert is how many rows one multi-row INSERT stores: 100 rows of
// a message (29 columns at most) are 2,900 parameters, well within
// SQLite's 32,766 and PostgreSQL's 65,535.
const rowsPerInsert = 100

// rowValues is the VALUES list of n rows of cols parameters each:
// "(?, ?), (?, ?)".
func rowValues(cols, n int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.Repeat(row+", ", n-1) + row
}

// exactlyOne turns "no row changed" into sql.ErrNoRows.
func exactlyOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
