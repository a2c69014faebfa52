package sqlstore

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const planCols = "id, name, price_cents, currency, limits, features, overage, created_at, updated_at"

// UpsertPlan inserts or replaces a plan by ID, filling its timestamps when
// empty; a replaced plan keeps its creation time.
func (s *Store) UpsertPlan(ctx context.Context, p *gateway.Plan) error {
	if p.ID == "" {
		return gateway.ValidationError(map[string]string{"id": "A plan needs an id."})
	}
	limits, err := marshal(p.Limits)
	if err != nil {
		return err
	}
	features, err := marshal(p.Features)
	if err != nil {
		return err
	}
	overage, err := marshal(p.Overage)
	if err != nil {
		return err
	}
	p.CreatedAt = stamp(p.CreatedAt)
	p.UpdatedAt = stamp(p.UpdatedAt)
	_, err = s.writer.ExecContext(ctx, s.q("INSERT INTO plans ("+planCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, price_cents = excluded.price_cents,
		currency = excluded.currency, limits = excluded.limits, features = excluded.features,
		overage = excluded.overage, updated_at = excluded.updated_at`),
		p.ID, p.Name, p.PriceCents, p.Currency, limits, features, overage, micros(p.CreatedAt), micros(p.UpdatedAt))
	return s.fail(err, "upsert plan", "Plan", "")
}

// PlanByID returns a plan; CodeNotFound when absent.
func (s *Store) PlanByID(ctx context.Context, id string) (*gateway.Plan, error) {
	return readOne(ctx, s, func(sc scanner, _ ...any) (*gateway.Plan, error) { return scanPlan(sc) }, "plan by id", "Plan",
		"SELECT "+planCols+" FROM plans WHERE id = ?", id)
}

// ListPlans lists every plan by price, cheapest first.
func (s *Store) ListPlans(ctx context.Context) ([]*gateway.Plan, error) {
	list, err := queryAll(ctx, s, "SELECT "+planCols+" FROM plans ORDER BY price_cents, id", nil, scanPlan)
	return list, s.fail(err, "list plans", "Plan", "")
}

func scanPlan(sc scanner) (*gateway.Plan, error) {
	var (
		p                gateway.Plan
		limits, features string
		overage          string
		created, updated int64
	)
	if err := sc.Scan(&p.ID, &p.Name, &p.PriceCents, &p.Currency, &limits, &features, &overage, &created, &updated); err != nil {
		return nil, err
	}
	if err := unmarshal(overage, &p.Overage); err != nil {
		return nil, err
	}
	if err := unmarshal(limits, &p.Limits); err != nil {
		return nil, err
	}
	if err := unmarshal(features, &p.Features); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, nil
}
