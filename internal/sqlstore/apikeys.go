package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const apiKeyCols = "id, user_id, name, prefix, hash, scopes, session_id, last_used_at, expires_at, revoked_at, created_at"

// CreateAPIKey inserts k (ID and CreatedAt filled when empty). CodeConflict
// on a duplicate hash, CodeNotFound when the user does not exist.
func (s *Store) CreateAPIKey(ctx context.Context, k *gateway.APIKey) error {
	return s.CreateAPIKeyWithin(ctx, k, -1)
}

// CreateAPIKeyWithin is CreateAPIKey capped at max keys per tenant.
func (s *Store) CreateAPIKeyWithin(ctx context.Context, k *gateway.APIKey, max int) error {
	scopes, err := marshal(k.Scopes)
	if err != nil {
		return err
	}
	k.ID = newID(k.ID)
	k.CreatedAt = stamp(k.CreatedAt)
	k.LastUsedAt, k.ExpiresAt, k.RevokedAt = stampPtr(k.LastUsedAt), stampPtr(k.ExpiresAt), stampPtr(k.RevokedAt)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.withinCap(ctx, tx, k.UserID, countAPIKeys, max); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO api_keys ("+apiKeyCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			k.ID, k.UserID, k.Name, k.Prefix, k.Hash, scopes, nullString(k.SessionID),
			nullMicros(k.LastUsedAt), nullMicros(k.ExpiresAt), nullMicros(k.RevokedAt), micros(k.CreatedAt))
		return err
	})
	return s.fail(err, "create api key", "User", "This API key already exists.")
}

// countAPIKeys counts a tenant's keys that are not revoked.
const countAPIKeys = "SELECT COUNT(*) FROM api_keys WHERE user_id = ? AND revoked_at IS NULL"

// APIKeyByHash returns the key with that hash, revoked or not; CodeNotFound when absent.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*gateway.APIKey, error) {
	return readOne(ctx, s, scanAPIKey, "api key by hash", "API key",
		"SELECT "+apiKeyCols+" FROM api_keys WHERE hash = ?", hash)
}

// ListAPIKeys lists a tenant's keys, newest first, with the total count.
func (s *Store) ListAPIKeys(ctx context.Context, userID string, p gateway.Page) ([]*gateway.APIKey, int, error) {
	list, total, err := listPage(ctx, s, apiKeyCols, "api_keys", "user_id = ?", []any{userID},
		"created_at DESC, id DESC", p, scanAPIKey)
	return list, total, s.fail(err, "list api keys", "User", "")
}

// RevokeAPIKey marks a tenant's key revoked at at (a key revoked already keeps
// its first revocation time); CodeNotFound when absent or another tenant's.
func (s *Store) RevokeAPIKey(ctx context.Context, userID, id string, at time.Time) error {
	err := exactlyOne(s.writer.ExecContext(ctx, s.q(
		"UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = ?"),
		micros(stamp(at)), id, userID))
	return s.fail(err, "revoke api key", "API key", "")
}

// TouchAPIKey records the key's last use; CodeNotFound when absent.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	err := exactlyOne(s.writer.ExecContext(ctx, s.q("UPDATE api_keys SET last_used_at = ? WHERE id = ?"),
		micros(stamp(at)), id))
	return s.fail(err, "touch api key", "API key", "")
}

// CountAPIKeys counts a tenant's keys that are not revoked.
func (s *Store) CountAPIKeys(ctx context.Context, userID string) (int, error) {
	n, err := s.count(ctx, countAPIKeys, userID)
	return n, s.fail(err, "count api keys", "User", "")
}

func scanAPIKey(sc scanner, extra ...any) (*gateway.APIKey, error) {
	var (
		k                         gateway.APIKey
		scopes                    string
		session                   sql.NullString
		lastUsed, expires, revoke sql.NullInt64
		created                   int64
	)
	dest := []any{&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &scopes, &session, &lastUsed, &expires, &revoke, &created}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if err := unmarshal(scopes, &k.Scopes); err != nil {
		return nil, err
	}
	k.SessionID = session.String
	k.LastUsedAt, k.ExpiresAt, k.RevokedAt = fromNullMicros(lastUsed), fromNullMicros(expires), fromNullMicros(revoke)
	k.CreatedAt = fromMicros(created)
	return &k, nil
}
