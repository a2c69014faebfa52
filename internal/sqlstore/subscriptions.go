package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const subscriptionCols = "user_id, plan_id, status, current_period_start, current_period_end, created_at, updated_at"

// EnsureSubscription returns the tenant's subscription, creating it on
// planID for [start, end) when absent. Two callers racing both get the one row.
func (s *Store) EnsureSubscription(ctx context.Context, userID, planID string, start, end time.Time) (*gateway.Subscription, error) {
	if !isUUID(userID) {
		return nil, gateway.NotFound("User")
	}
	t := micros(now())
	status := gateway.SubscriptionActive
	_, err := s.writer.ExecContext(ctx, s.q(`INSERT INTO subscriptions (`+subscriptionCols+`)
		SELECT id, ?, CASE WHEN status = 'suspended' THEN 'suspended' ELSE ? END,
			CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT) FROM users WHERE id = ?
		ON CONFLICT (user_id) DO NOTHING`),
		planID, status, micros(start), micros(end), t, t, userID)
	if err != nil {
		return nil, s.fail(err, "ensure subscription", "User", "")
	}
	row := s.writer.QueryRowContext(ctx, s.q("SELECT "+subscriptionCols+" FROM subscriptions WHERE user_id = ?"), userID)
	sub, err := scanSubscription(row)
	return sub, s.fail(err, "ensure subscription", "User", "")
}

// RenewSubscription moves the subscription's period forward to [start, end);
// a period already at or past start is left alone.
func (s *Store) RenewSubscription(ctx context.Context, userID string, start, end time.Time) error {
	if !isUUID(userID) {
		return gateway.NotFound("Subscription")
	}
	_, err := s.writer.ExecContext(ctx, s.q(`UPDATE subscriptions SET current_period_start = ?, current_period_end = ?,
		updated_at = ? WHERE user_id = ? AND current_period_start < ?`),
		micros(start), micros(end), micros(now()), userID, micros(start))
	return s.fail(err, "renew subscription", "Subscription", "")
}

// ChangePlan sets the tenant's plan and records the change and the audit
// entry in one transaction; c.FromPlanID is filled from the stored user.
func (s *Store) ChangePlan(ctx context.Context, c *gateway.SubscriptionChange, audit *gateway.AuditEntry) error {
	if !isUUID(c.UserID) {
		return gateway.NotFound("User")
	}
	c.ID = newID(c.ID)
	c.CreatedAt = stamp(c.CreatedAt)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM plans WHERE id = ?"), c.ToPlanID).Scan(&one); err != nil {
			return s.fail(err, "change plan", "Plan", "")
		}
		if err := tx.QueryRowContext(ctx, s.q("SELECT plan_id FROM users WHERE id = ?"), c.UserID).Scan(&c.FromPlanID); err != nil {
			return s.fail(err, "change plan", "User", "")
		}
		t := micros(c.CreatedAt)
		if _, err := tx.ExecContext(ctx, s.q("UPDATE users SET plan_id = ?, updated_at = ? WHERE id = ?"), c.ToPlanID, t, c.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE subscriptions SET plan_id = ?, updated_at = ? WHERE user_id = ?"), c.ToPlanID, t, c.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO subscription_changes (id, user_id, from_plan_id, to_plan_id, actor_id, reason, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), c.ID, c.UserID, c.FromPlanID, c.ToPlanID, nullString(c.ActorID), c.Reason, t); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, audit)
	})
	return s.fail(err, "change plan", "User", "")
}

// SubscriptionHistory lists a tenant's plan changes, newest first (at most limit, 100 when not positive).
func (s *Store) SubscriptionHistory(ctx context.Context, userID string, limit int) ([]*gateway.SubscriptionChange, error) {
	limit = gateway.BatchLimit(limit)
	if !isUUID(userID) {
		return nil, nil
	}
	list, err := queryAll(ctx, s, `SELECT id, user_id, from_plan_id, to_plan_id, actor_id, reason, created_at
		FROM subscription_changes WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, []any{userID, limit},
		func(sc scanner) (*gateway.SubscriptionChange, error) {
			var (
				c       gateway.SubscriptionChange
				actor   sql.NullString
				created int64
			)
			if err := sc.Scan(&c.ID, &c.UserID, &c.FromPlanID, &c.ToPlanID, &actor, &c.Reason, &created); err != nil {
				return nil, err
			}
			c.ActorID, c.CreatedAt = actor.String, fromMicros(created)
			return &c, nil
		})
	return list, s.fail(err, "subscription history", "User", "")
}

// SetUserStatus sets a user's status and its subscription's, with the audit
// entry, in one transaction.
func (s *Store) SetUserStatus(ctx context.Context, userID, status string, audit *gateway.AuditEntry) error {
	if !isUUID(userID) {
		return gateway.NotFound("User")
	}
	t := micros(now())
	subStatus := gateway.SubscriptionActive
	if status == gateway.UserSuspended {
		subStatus = gateway.SubscriptionSuspended
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// A suspension revokes every token issued before it.
		bump := 0
		if status == gateway.UserSuspended {
			bump = 1
		}
		if err := exactlyOne(tx.ExecContext(ctx, s.q("UPDATE users SET status = ?, updated_at = ?, token_version = token_version + ? WHERE id = ?"),
			status, t, bump, userID)); err != nil {
			return s.fail(err, "set user status", "User", "")
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE subscriptions SET status = ?, updated_at = ? WHERE user_id = ?"), subStatus, t, userID); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, audit)
	})
	return s.fail(err, "set user status", "User", "")
}

// DeletePlan deletes a plan; CodeConflict while a user is on it.
func (s *Store) DeletePlan(ctx context.Context, id string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM users WHERE plan_id = ?"), id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return gateway.Errorf(gateway.CodeConflict, "The plan has %d users; move them to another plan first.", n)
		}
		return exactlyOne(tx.ExecContext(ctx, s.q("DELETE FROM plans WHERE id = ?"), id))
	})
	return s.fail(err, "delete plan", "Plan", "")
}

// CountUsersOnPlan counts the users on a plan.
func (s *Store) CountUsersOnPlan(ctx context.Context, planID string) (int, error) {
	n, err := s.count(ctx, "SELECT COUNT(*) FROM users WHERE plan_id = ?", planID)
	return n, s.fail(err, "count users on plan", "Plan", "")
}

const auditCols = "id, actor_id, actor_email, action, target_type, target_id, details, ip, created_at"

// AddAudit records an admin action.
func (s *Store) AddAudit(ctx context.Context, e *gateway.AuditEntry) error {
	err := s.insertAudit(ctx, s.writer, e)
	return s.fail(err, "add audit", "Audit entry", "")
}

func (s *Store) insertAudit(ctx context.Context, q querier, e *gateway.AuditEntry) error {
	if e == nil {
		return nil
	}
	e.ID = newID(e.ID)
	e.CreatedAt = stamp(e.CreatedAt)
	var details any
	if len(e.Details) > 0 {
		details = string(e.Details)
	}
	_, err := q.ExecContext(ctx, s.q("INSERT INTO audit_log ("+auditCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		e.ID, e.ActorID, e.ActorEmail, e.Action, e.TargetType, e.TargetID, details, e.IP, micros(e.CreatedAt))
	return err
}

// ListAudit lists audit entries by filter, newest first, with the total count.
func (s *Store) ListAudit(ctx context.Context, f gateway.AuditFilter) ([]*gateway.AuditEntry, int, error) {
	where := []string{"1 = 1"}
	var args []any
	if f.ActorID != "" {
		where, args = append(where, "actor_id = ?"), append(args, f.ActorID)
	}
	if f.TargetID != "" {
		where, args = append(where, "target_id = ?"), append(args, f.TargetID)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	list, total, err := listPage(ctx, s, auditCols, "audit_log", strings.Join(where, " AND "), args,
		"created_at DESC, id DESC", f.Page, scanAudit)
	return list, total, s.fail(err, "list audit", "Audit entry", "")
}

func scanAudit(sc scanner, extra ...any) (*gateway.AuditEntry, error) {
	var (
		e       gateway.AuditEntry
		details sql.NullString
		created int64
	)
	dest := []any{&e.ID, &e.ActorID, &e.ActorEmail, &e.Action, &e.TargetType, &e.TargetID, &details, &e.IP, &created}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if details.Valid {
		e.Details = []byte(details.String)
	}
	e.CreatedAt = fromMicros(created)
	return &e, nil
}

func scanSubscription(sc scanner) (*gateway.Subscription, error) {
	var (
		sub                          gateway.Subscription
		start, end, created, updated int64
	)
	if err := sc.Scan(&sub.UserID, &sub.PlanID, &sub.Status, &start, &end, &created, &updated); err != nil {
		return nil, err
	}
	sub.CurrentPeriodStart, sub.CurrentPeriodEnd = fromMicros(start), fromMicros(end)
	sub.CreatedAt, sub.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &sub, nil
}
