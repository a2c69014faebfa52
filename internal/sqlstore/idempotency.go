package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// BeginIdempotent claims (rec.UserID, rec.Key) for a first request. An
// expired record is replaced. When the key is held it returns the stored
// record and false. The claim is one INSERT … ON CONFLICT DO NOTHING, so of
// concurrent duplicates (on any gateway) exactly one wins.
func (s *Store) BeginIdempotent(ctx context.Context, rec *gateway.IdempotencyRecord) (*gateway.IdempotencyRecord, bool, error) {
	if !isUUID(rec.UserID) {
		return nil, false, gateway.NotFound("User")
	}
	rec.CreatedAt = stamp(rec.CreatedAt)
	if rec.ExpiresAt.IsZero() {
		rec.ExpiresAt = rec.CreatedAt.Add(24 * time.Hour)
	}
	var (
		got     *gateway.IdempotencyRecord
		claimed bool
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND expires_at <= ?"),
			rec.UserID, rec.Key, micros(rec.CreatedAt)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at, expires_at,
			request_id, lease_until) VALUES (?, ?, ?, 0, NULL, ?, ?, ?, ?) ON CONFLICT (user_id, key) DO NOTHING`),
			rec.UserID, rec.Key, rec.Fingerprint, micros(rec.CreatedAt), micros(rec.ExpiresAt), rec.RequestID, micros(stamp(rec.LeaseUntil)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			claimed = true
			return nil
		}
		got, err = scanIdempotency(tx.QueryRowContext(ctx, s.q(`SELECT `+idempotencyCols+`
			FROM idempotency_keys WHERE user_id = ? AND key = ?`), rec.UserID, rec.Key))
		return err
	})
	if err != nil {
		return nil, false, s.fail(err, "begin idempotent request", "User", "")
	}
	return got, claimed, nil
}

// IdempotentRecord reads a record (polling for a running first request).
func (s *Store) IdempotentRecord(ctx context.Context, userID, key string) (*gateway.IdempotencyRecord, error) {
	if !isUUID(userID) {
		return nil, gateway.NotFound("Idempotency key")
	}
	rec, err := scanIdempotency(s.reader.QueryRowContext(ctx, s.q(`SELECT `+idempotencyCols+`
		FROM idempotency_keys WHERE user_id = ? AND key = ?`), userID, key))
	return rec, s.fail(err, "idempotent record", "Idempotency key", "")
}

// FinishIdempotent stores the first request's answer.
func (s *Store) FinishIdempotent(ctx context.Context, userID, key string, status int, body []byte) error {
	err := exactlyOne(s.writer.ExecContext(ctx, s.q("UPDATE idempotency_keys SET status = ?, body = ? WHERE user_id = ? AND key = ?"),
		status, string(body), userID, key))
	return s.fail(err, "finish idempotent request", "Idempotency key", "")
}

// ReleaseIdempotent forgets a claim whose request did not complete.
func (s *Store) ReleaseIdempotent(ctx context.Context, userID, key string) error {
	_, err := s.writer.ExecContext(ctx, s.q("DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status = 0"), userID, key)
	return s.fail(err, "release idempotent request", "Idempotency key", "")
}

// RenewIdempotent moves the lease of a running claim held by requestID.
func (s *Store) RenewIdempotent(ctx context.Context, userID, key, requestID string, until time.Time) error {
	if !isUUID(userID) {
		return gateway.NotFound("Idempotency key")
	}
	err := exactlyOne(s.writer.ExecContext(ctx, s.q(`UPDATE idempotency_keys SET lease_until = ?
		WHERE user_id = ? AND key = ? AND status = 0 AND request_id = ?`), micros(stamp(until)), userID, key, requestID))
	return s.fail(err, "renew idempotent request", "Idempotency key", "")
}

// TakeOverIdempotent hands a claim whose owner's lease ended to rec. The
// conditions are one UPDATE, so of the duplicates that find the same dead
// claim (on any gateway) exactly one takes it.
func (s *Store) TakeOverIdempotent(ctx context.Context, rec *gateway.IdempotencyRecord, prevRequestID string) (bool, error) {
	if !isUUID(rec.UserID) {
		return false, gateway.NotFound("Idempotency key")
	}
	rec.CreatedAt = stamp(rec.CreatedAt)
	res, err := s.writer.ExecContext(ctx, s.q(`UPDATE idempotency_keys SET request_id = ?, lease_until = ?, created_at = ?
		WHERE user_id = ? AND key = ? AND status = 0 AND request_id = ? AND lease_until < ?`),
		rec.RequestID, micros(stamp(rec.LeaseUntil)), micros(rec.CreatedAt), rec.UserID, rec.Key, prevRequestID, micros(rec.CreatedAt))
	if err != nil {
		return false, s.fail(err, "take over idempotent request", "Idempotency key", "")
	}
	n, err := res.RowsAffected()
	return n == 1, s.fail(err, "take over idempotent request", "Idempotency key", "")
}

// PurgeIdempotent deletes records expired before t.
func (s *Store) PurgeIdempotent(ctx context.Context, before time.Time) (int, error) {
	res, err := s.writer.ExecContext(ctx, s.q("DELETE FROM idempotency_keys WHERE expires_at < ?"), micros(before))
	if err != nil {
		return 0, s.fail(err, "purge idempotency keys", "Idempotency key", "")
	}
	n, err := res.RowsAffected()
	return int(n), s.fail(err, "purge idempotency keys", "Idempotency key", "")
}

const idempotencyCols = "user_id, key, fingerprint, status, body, created_at, expires_at, request_id, lease_until"

func scanIdempotency(sc scanner) (*gateway.IdempotencyRecord, error) {
	var (
		r                       gateway.IdempotencyRecord
		body                    sql.NullString
		created, expires, lease int64
	)
	if err := sc.Scan(&r.UserID, &r.Key, &r.Fingerprint, &r.Status, &body, &created, &expires, &r.RequestID, &lease); err != nil {
		return nil, err
	}
	if body.Valid {
		r.Body = []byte(body.String)
	}
	r.CreatedAt, r.ExpiresAt, r.LeaseUntil = fromMicros(created), fromMicros(expires), fromMicros(lease)
	return &r, nil
}
