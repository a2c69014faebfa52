package sqlstore

import (
	"context"
	"database/sql"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const webhookCols = `id, user_id, session_id, url, events, headers, active, secret, previous_secret,
	previous_secret_expires_at, failing_since, disabled_reason, created_at, updated_at`

// CreateWebhook inserts w (ID and timestamps filled when empty). CodeNotFound
// when its session (if any) is absent or another tenant's, or the user is absent.
func (s *Store) CreateWebhook(ctx context.Context, w *gateway.Webhook) error {
	return s.CreateWebhookWithin(ctx, w, -1)
}

// countWebhooks counts a tenant's webhooks.
const countWebhooks = "SELECT COUNT(*) FROM webhooks WHERE user_id = ?"

// CreateWebhookWithin is CreateWebhook capped at max webhooks per tenant.
func (s *Store) CreateWebhookWithin(ctx context.Context, w *gateway.Webhook, max int) error {
	events, headers, err := webhookJSON(w)
	if err != nil {
		return err
	}
	newRow(&w.ID, &w.CreatedAt, &w.UpdatedAt)
	missing := "User"
	if w.SessionID != "" {
		missing = "Session"
	}
	w.PreviousSecretExpiresAt, w.FailingSince = stampPtr(w.PreviousSecretExpiresAt), stampPtr(w.FailingSince)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.withinCap(ctx, tx, w.UserID, countWebhooks, max); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO webhooks ("+webhookCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			w.ID, w.UserID, nullString(w.SessionID), w.URL, events, headers, w.Active, w.Secret, w.PreviousSecret,
			nullMicros(w.PreviousSecretExpiresAt), nullMicros(w.FailingSince), w.DisabledReason,
			micros(w.CreatedAt), micros(w.UpdatedAt))
		return err
	})
	return s.fail(err, "create webhook", missing, "A webhook with this id already exists.")
}

// webhookJSON encodes the JSON columns of w: its events and headers.
func webhookJSON(w *gateway.Webhook) (events, headers string, err error) {
	if events, err = marshal(w.Events); err != nil {
		return "", "", err
	}
	if headers, err = marshal(w.Headers); err != nil {
		return "", "", err
	}
	return events, headers, nil
}

// WebhookByID returns a tenant's webhook with its secret; CodeNotFound when absent or another tenant's.
func (s *Store) WebhookByID(ctx context.Context, userID, id string) (*gateway.Webhook, error) {
	return readOne(ctx, s, scanWebhook, "webhook by id", "Webhook",
		"SELECT "+webhookCols+" FROM webhooks WHERE id = ? AND user_id = ?", id, userID)
}

// ListWebhooks lists a tenant's webhooks, newest first, with the total count; secrets included.
func (s *Store) ListWebhooks(ctx context.Context, userID, sessionID string, p gateway.Page) ([]*gateway.Webhook, int, error) {
	where, args := bySession(userID, sessionID)
	list, total, err := listPage(ctx, s, webhookCols, "webhooks", where, args, "created_at DESC, id DESC", p, scanWebhook)
	return list, total, s.fail(err, "list webhooks", "Webhook", "")
}

// UpdateWebhook saves URL, events, headers, active, secrets and disabled
// reason of w and sets its UpdatedAt; CodeNotFound when absent or another
// tenant's. Turning an endpoint on or off ends its failing streak; the
// streak itself is the dispatchers' to keep, so a read-modify-write here
// never overwrites it.
func (s *Store) UpdateWebhook(ctx context.Context, w *gateway.Webhook) error {
	events, headers, err := webhookJSON(w)
	if err != nil {
		return err
	}
	w.UpdatedAt = now()
	w.PreviousSecretExpiresAt = stampPtr(w.PreviousSecretExpiresAt)
	err = exactlyOne(s.writer.ExecContext(ctx, s.q(`UPDATE webhooks SET url = ?, events = ?, headers = ?,
		failing_since = CASE WHEN active = ? THEN failing_since ELSE NULL END, active = ?,
		secret = ?, previous_secret = ?, previous_secret_expires_at = ?, disabled_reason = ?, updated_at = ?
		WHERE id = ? AND user_id = ?`),
		w.URL, events, headers, w.Active, w.Active, w.Secret, w.PreviousSecret, nullMicros(w.PreviousSecretExpiresAt),
		w.DisabledReason, micros(w.UpdatedAt), w.ID, w.UserID))
	return s.fail(err, "update webhook", "Webhook", "")
}

// DeleteWebhook deletes a tenant's webhook; CodeNotFound when absent or another tenant's.
func (s *Store) DeleteWebhook(ctx context.Context, userID, id string) error {
	err := exactlyOne(s.writer.ExecContext(ctx, s.q("DELETE FROM webhooks WHERE id = ? AND user_id = ?"), id, userID))
	return s.fail(err, "delete webhook", "Webhook", "")
}

// CountWebhooks counts a tenant's webhooks.
func (s *Store) CountWebhooks(ctx context.Context, userID string) (int, error) {
	n, err := s.count(ctx, countWebhooks, userID)
	return n, s.fail(err, "count webhooks", "Webhook", "")
}

func scanWebhook(sc scanner, extra ...any) (*gateway.Webhook, error) {
	var r webhookRow
	if err := sc.Scan(append(r.dest(), extra...)...); err != nil {
		return nil, err
	}
	return r.webhook()
}
