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

// SandboxGroups returns a tenant's simulated groups.
func (s *Store) SandboxGroups(ctx context.Context, userID string) ([]gateway.SandboxGroup, error) {
	rows, err := s.reader.QueryContext(ctx, s.q("SELECT jid, data, version FROM sandbox_groups WHERE user_id = ? ORDER BY jid"), userID)
	if err != nil {
		return nil, s.fail(err, "sandbox groups", "Group", "")
	}
	defer rows.Close()
	var out []gateway.SandboxGroup
	for rows.Next() {
		var g gateway.SandboxGroup
		var data string
		if err := rows.Scan(&g.JID, &data, &g.Version); err != nil {
			return nil, s.fail(err, "sandbox groups", "Group", "")
		}
		g.Data = []byte(data)
		out = append(out, g)
	}
	return out, s.fail(rows.Err(), "sandbox groups", "Group", "")
}

// SaveSandboxGroup writes a simulated group: a new one when version is 0,
// else only if the stored version is still version (CodeConflict when
// another writer got there first). The stored version becomes version+1.
func (s *Store) SaveSandboxGroup(ctx context.Context, userID string, g gateway.SandboxGroup) error {
	at := micros(now())
	if g.Version == 0 {
		_, err := s.writer.ExecContext(ctx, s.q("INSERT INTO sandbox_groups (user_id, jid, data, version, updated_at) VALUES (?, ?, ?, 1, ?)"),
			userID, g.JID, string(g.Data), at)
		return s.fail(err, "create sandbox group", "User", "The group changed meanwhile.")
	}
	err := exactlyOne(s.writer.ExecContext(ctx, s.q("UPDATE sandbox_groups SET data = ?, version = version + 1, updated_at = ? WHERE user_id = ? AND jid = ? AND version = ?"),
		string(g.Data), at, userID, g.JID, g.Version))
	if errors.Is(err, sql.ErrNoRows) {
		return gateway.Errorf(gateway.CodeConflict, "The group changed meanwhile.")
	}
	return s.fail(err, "save sandbox group", "Group", "")
}

// SandboxAccounts returns a tenant's simulated WhatsApp accounts, by phone.
func (s *Store) SandboxAccounts(ctx context.Context, userID string) ([]gateway.SandboxAccount, error) {
	rows, err := s.reader.QueryContext(ctx, s.q("SELECT phone, data, version FROM sandbox_accounts WHERE user_id = ? ORDER BY phone"), userID)
	if err != nil {
		return nil, s.fail(err, "sandbox accounts", "Account", "")
	}
	defer rows.Close()
	var out []gateway.SandboxAccount
	for rows.Next() {
		var a gateway.SandboxAccount
		var data string
		if err := rows.Scan(&a.Phone, &data, &a.Version); err != nil {
			return nil, s.fail(err, "sandbox accounts", "Account", "")
		}
		a.Data = []byte(data)
		out = append(out, a)
	}
	return out, s.fail(rows.Err(), "sandbox accounts", "Account", "")
}

// SaveSandboxAccount writes a simulated account: a new one when version is
// 0 (CodeConflict when it exists), else only if the stored version is
// still version (CodeConflict when another writer got there first).
func (s *Store) SaveSandboxAccount(ctx context.Context, userID string, a gateway.SandboxAccount) error {
	at := micros(now())
	if a.Version == 0 {
		_, err := s.writer.ExecContext(ctx, s.q("INSERT INTO sandbox_accounts (user_id, phone, data, version, updated_at) VALUES (?, ?, ?, 1, ?)"),
			userID, a.Phone, string(a.Data), at)
		return s.fail(err, "create sandbox account", "User", "The account changed meanwhile.")
	}
	err := exactlyOne(s.writer.ExecContext(ctx, s.q("UPDATE sandbox_accounts SET data = ?, version = version + 1, updated_at = ? WHERE user_id = ? AND phone = ? AND version = ?"),
		string(a.Data), at, userID, a.Phone, a.Version))
	if errors.Is(err, sql.ErrNoRows) {
		return gateway.Errorf(gateway.CodeConflict, "The account changed meanwhile.")
	}
	return s.fail(err, "save sandbox account", "Account", "")
}
