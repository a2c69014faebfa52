package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const accountOpCols = "id, user_id, session_id, op, request, result, error_code, error, created_at"

// RecordAccountOperation stores op with events in one transaction;
// CodeNotFound when the session is absent or another tenant's.
func (s *Store) RecordAccountOperation(ctx context.Context, op *gateway.AccountOperation, events ...*gateway.Event) error {
	if err := prepareEvents(op.UserID, events); err != nil {
		return err
	}
	op.ID = newID(op.ID)
	op.CreatedAt = stamp(op.CreatedAt)
	if len(op.Request) == 0 || !json.Valid(op.Request) {
		op.Request = json.RawMessage("{}")
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO account_operations ("+accountOpCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			op.ID, op.UserID, op.SessionID, op.Op, string(op.Request), op.Result, string(op.ErrorCode), op.Error, micros(op.CreatedAt))
		if err != nil {
			return err
		}
		if op.Chat != nil && op.Result == gateway.OperationSucceeded {
			c := *op.Chat
			if c.At.IsZero() {
				c.At = op.CreatedAt
			}
			if _, err := s.applyChatChange(ctx, tx, op.UserID, op.SessionID, c, true); err != nil {
				return err
			}
		}
		if op.Label != nil && op.Result == gateway.OperationSucceeded {
			c := *op.Label
			if c.At.IsZero() {
				c.At = op.CreatedAt
			}
			if _, err := s.applyLabelChange(ctx, tx, op.UserID, op.SessionID, c); err != nil {
				return err
			}
		}
		return s.insertEvents(ctx, tx, events)
	})
	return s.fail(err, "record account operation", "Session", "This operation is already recorded.")
}

// RecordAccountEvents stores events of one of the tenant's sessions.
func (s *Store) RecordAccountEvents(ctx context.Context, userID, sessionID string, events ...*gateway.Event) error {
	if err := prepareEvents(userID, events); err != nil {
		return err
	}
	for _, e := range events {
		if e != nil && (e.UserID != userID || e.SessionID != sessionID) {
			return gateway.Errorf(gateway.CodeInvalid, "An event of another session cannot be recorded here.")
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM sessions WHERE id = ? AND user_id = ?"), sessionID, userID).Scan(&one); err != nil {
			return err
		}
		return s.insertEvents(ctx, tx, events)
	})
	return s.fail(err, "record account events", "Session", "")
}

// ListAccountOperations lists a session's operations, newest first.
func (s *Store) ListAccountOperations(ctx context.Context, userID, sessionID string, p gateway.Page) ([]*gateway.AccountOperation, int, error) {
	where, args := bySession(userID, sessionID)
	list, total, err := listPage(ctx, s, accountOpCols, "account_operations", where, args, "created_at DESC, id DESC", p, scanAccountOp)
	return list, total, s.fail(err, "list account operations", "Session", "")
}

func scanAccountOp(sc scanner, extra ...any) (*gateway.AccountOperation, error) {
	var (
		op        gateway.AccountOperation
		req, code string
		at        int64
	)
	if err := sc.Scan(append([]any{&op.ID, &op.UserID, &op.SessionID, &op.Op, &req, &op.Result, &code, &op.Error, &at}, extra...)...); err != nil {
		return nil, err
	}
	op.Request, op.ErrorCode, op.CreatedAt = json.RawMessage(req), gateway.Code(code), fromMicros(at)
	return &op, nil
}

// sandboxTable is a table of a tenant's simulated WhatsApp state: JSON
// blobs by key, each with a version that guards its writes.
type sandboxTable struct {
	table, key string // the table, the key column
	noun       string // in errors: "group"
	missing    string // what CodeNotFound names: "Group"
}

var (
	sandboxGroups   = sandboxTable{table: "sandbox_groups", key: "jid", noun: "group", missing: "Group"}
	sandboxAccounts = sandboxTable{table: "sandbox_accounts", key: "phone", noun: "account", missing: "Account"}
)

// sandboxRows returns every blob of the tenant, by key, as row makes it.
func sandboxRows[T any](ctx context.Context, s *Store, t sandboxTable, userID string, row func(key string, data []byte, version int64) T) ([]T, error) {
	op := "sandbox " + t.noun + "s"
	rows, err := s.reader.QueryContext(ctx, s.q("SELECT "+t.key+", data, version FROM "+t.table+" WHERE user_id = ? ORDER BY "+t.key), userID)
	if err != nil {
		return nil, s.fail(err, op, t.missing, "")
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var key, data string
		var version int64
		if err := rows.Scan(&key, &data, &version); err != nil {
			return nil, s.fail(err, op, t.missing, "")
		}
		out = append(out, row(key, []byte(data), version))
	}
	return out, s.fail(rows.Err(), op, t.missing, "")
}

// saveSandbox writes a blob: a new one when version is 0 (CodeConflict
// when it exists), else only if the stored version is still version
// (CodeConflict when another writer got there first). The stored version
// becomes version+1.
func (s *Store) saveSandbox(ctx context.Context, t sandboxTable, userID, key string, data []byte, version int64) error {
	changed := "The " + t.noun + " changed meanwhile."
	at := micros(now())
	if version == 0 {
		_, err := s.writer.ExecContext(ctx, s.q("INSERT INTO "+t.table+" (user_id, "+t.key+", data, version, updated_at) VALUES (?, ?, ?, 1, ?)"),
			userID, key, string(data), at)
		return s.fail(err, "create sandbox "+t.noun, "User", changed)
	}
	err := exactlyOne(s.writer.ExecContext(ctx, s.q("UPDATE "+t.table+" SET data = ?, version = version + 1, updated_at = ? WHERE user_id = ? AND "+t.key+" = ? AND version = ?"),
		string(data), at, userID, key, version))
	if errors.Is(err, sql.ErrNoRows) {
		return gateway.Errorf(gateway.CodeConflict, "%s", changed)
	}
	return s.fail(err, "save sandbox "+t.noun, t.missing, "")
}

// SandboxGroups returns a tenant's simulated groups.
func (s *Store) SandboxGroups(ctx context.Context, userID string) ([]gateway.SandboxGroup, error) {
	return sandboxRows(ctx, s, sandboxGroups, userID, func(jid string, data []byte, version int64) gateway.SandboxGroup {
		return gateway.SandboxGroup{JID: jid, Data: data, Version: version}
	})
}

// SaveSandboxGroup writes a simulated group: a new one when version is 0,
// else only if the stored version is still version (CodeConflict when
// another writer got there first). The stored version becomes version+1.
func (s *Store) SaveSandboxGroup(ctx context.Context, userID string, g gateway.SandboxGroup) error {
	return s.saveSandbox(ctx, sandboxGroups, userID, g.JID, g.Data, g.Version)
}

// SandboxAccounts returns a tenant's simulated WhatsApp accounts, by phone.
func (s *Store) SandboxAccounts(ctx context.Context, userID string) ([]gateway.SandboxAccount, error) {
	return sandboxRows(ctx, s, sandboxAccounts, userID, func(phone string, data []byte, version int64) gateway.SandboxAccount {
		return gateway.SandboxAccount{Phone: phone, Data: data, Version: version}
	})
}

// SaveSandboxAccount writes a simulated account: a new one when version is
// 0 (CodeConflict when it exists), else only if the stored version is
// still version (CodeConflict when another writer got there first).
func (s *Store) SaveSandboxAccount(ctx context.Context, userID string, a gateway.SandboxAccount) error {
	return s.saveSandbox(ctx, sandboxAccounts, userID, a.Phone, a.Data, a.Version)
}
