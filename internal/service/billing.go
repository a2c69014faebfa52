package service

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// UsageTotals are usage summed over a range of days.
type UsageTotals struct {
	MessagesAccepted   int64   `json:"messages_accepted" desc:"Outbound messages accepted."`
	MessagesSent       int64   `json:"messages_sent" desc:"Outbound messages WhatsApp accepted."`
	MessagesDelivered  int64   `json:"messages_delivered" desc:"Outbound messages delivered."`
	MessagesFailed     int64   `json:"messages_failed" desc:"Outbound messages that failed."`
	MessagesReceived   int64   `json:"messages_received" desc:"Inbound messages."`
	MediaBytes         int64   `json:"media_bytes" desc:"Bytes of media sent and received."`
	SessionHours       float64 `json:"session_hours" desc:"Hours instances ran."`
	WebhookDeliveries  int64   `json:"webhook_deliveries" desc:"Webhook delivery attempts."`
	WebhookSucceeded   int64   `json:"webhook_deliveries_succeeded" desc:"Webhook delivery attempts that succeeded."`
	BillableMessages   int64   `json:"billable_messages" desc:"Outbound messages accepted and not failed: what is billed."` // accepted and not failed
	sessionSecondsSums int64
}

func (t *UsageTotals) add(d gateway.UsageDay) {
	t.MessagesAccepted += d.MessagesAccepted
	t.MessagesSent += d.MessagesSent
	t.MessagesDelivered += d.MessagesDeliver
	t.MessagesFailed += d.MessagesFailed
	t.MessagesReceived += d.MessagesReceived
	t.MediaBytes += d.MediaBytes
	t.sessionSecondsSums += d.SessionSeconds
	t.SessionHours = float64(t.sessionSecondsSums) / 3600
	t.WebhookDeliveries += d.WebhookAttempted
	t.WebhookSucceeded += d.WebhookSucceeded
	t.BillableMessages = t.MessagesAccepted - t.MessagesFailed
}

// UsageReport is a tenant's metered usage per day over a range.
type UsageReport struct {
	From   time.Time          `json:"from" desc:"Start of the range."`
	To     time.Time          `json:"to" desc:"End of the range, exclusive."`
	Days   []gateway.UsageDay `json:"days" desc:"The usage per UTC day."`
	Totals UsageTotals        `json:"totals" desc:"The range's totals."`
}

// Usage meters a tenant's usage per UTC day of [from, to) from the stored
// messages, instances and deliveries: nothing is kept that a crash could skew.
func (s *Service) Usage(ctx context.Context, userID string, from, to time.Time) (*UsageReport, error) {
	if !to.After(from) {
		return nil, gateway.Errorf(gateway.CodeInvalid, "The end of the range must be after its start.")
	}
	if to.Sub(from) > 400*24*time.Hour {
		return nil, gateway.Errorf(gateway.CodeInvalid, "The range is at most 400 days.")
	}
	days, err := s.saasStore.UsageDays(ctx, userID, from, to)
	if err != nil {
		return nil, err
	}
	r := &UsageReport{From: from, To: to, Days: days}
	if r.Days == nil {
		r.Days = []gateway.UsageDay{}
	}
	for _, d := range days {
		r.Totals.add(d)
	}
	return r, nil
}

// StatementLine is one billed item.
type StatementLine struct {
	Item        string `json:"item" desc:"plan or messages."`
	Description string `json:"description" desc:"The line as a sentence."`
	Quantity    int64  `json:"quantity" desc:"How many units were used."`
	Included    int64  `json:"included" desc:"How many the plan includes."`
	Overage     int64  `json:"overage" desc:"How many past what is included."`
	// UnitPriceCents is the price per Unit of overage (or of the item).
	UnitPriceCents int64  `json:"unit_price_cents" desc:"The price of one unit, in cents."`
	Unit           int64  `json:"unit" desc:"How many items one unit counts (1000 for messages)."`
	AmountCents    int64  `json:"amount_cents" desc:"The line's amount, in cents."`
	Currency       string `json:"currency" desc:"ISO 4217 currency code."`
}

// Statement is what a tenant owes for one period. A statement of the
// current period is provisional: it is recomputed from the stored facts on
// every request.
type Statement struct {
	Period      Period             `json:"period" desc:"The billing period."`
	UserID      string             `json:"user_id" desc:"The account."`
	Plan        *gateway.Plan      `json:"plan" desc:"The plan billed (in effect at the period's end)."`
	Usage       UsageTotals        `json:"usage" desc:"The period's usage."`
	Lines       []StatementLine    `json:"lines" desc:"The billed items."`
	TotalCents  int64              `json:"total_cents" desc:"The total, in cents."`
	Currency    string             `json:"currency" desc:"ISO 4217 currency code."`
	Provisional bool               `json:"provisional" desc:"true for the current period: it can still change."`
	GeneratedAt time.Time          `json:"generated_at" desc:"When the statement was computed."`
	Days        []gateway.UsageDay `json:"days" desc:"The usage per UTC day."`
}

// Statement computes a tenant's statement for a period: the plan in effect
// at the end of the period (no proration), its price, the usage metered
// from stored facts, and overage on billable messages (outbound messages
// accepted and not failed) past the plan's included amount.
func (s *Service) Statement(ctx context.Context, u *gateway.User, period Period) (*Statement, error) {
	now := s.now()
	if period.Start.After(now) {
		return nil, gateway.Errorf(gateway.CodeInvalid, "The period %s has not started yet.", period.Name)
	}
	hist, err := s.saasStore.SubscriptionHistory(ctx, u.ID, 1000)
	if err != nil {
		return nil, err
	}
	planID := planAt(u.PlanID, hist, period.End)
	plan, err := s.PlanOf(ctx, &gateway.User{PlanID: planID})
	if err != nil {
		return nil, err
	}
	rep, err := s.Usage(ctx, u.ID, period.Start, period.End)
	if err != nil {
		return nil, err
	}
	st := &Statement{Period: period, UserID: u.ID, Plan: plan, Usage: rep.Totals, Currency: plan.Currency,
		Provisional: now.Before(period.End), GeneratedAt: now, Days: rep.Days}
	st.Lines = append(st.Lines, StatementLine{Item: "plan", Description: plan.Name + " plan, " + period.Name,
		Quantity: 1, Unit: 1, UnitPriceCents: plan.PriceCents, AmountCents: plan.PriceCents, Currency: plan.Currency})
	inc := int64(plan.Limits.MessagesPerMonth)
	msg := StatementLine{Item: "messages", Description: "Messages sent (accepted and not failed)",
		Quantity: rep.Totals.BillableMessages, Included: inc, Unit: 1000, UnitPriceCents: plan.Overage.MessagesPer1000Cents, Currency: plan.Currency}
	if inc >= 0 && msg.Quantity > inc {
		msg.Overage = msg.Quantity - inc
		// Rounded up to the cent.
		msg.AmountCents = (msg.Overage*plan.Overage.MessagesPer1000Cents + 999) / 1000
	}
	if inc < 0 {
		msg.Included = -1
	}
	st.Lines = append(st.Lines, msg)
	for _, l := range st.Lines {
		st.TotalCents += l.AmountCents
	}
	return st, nil
}

// CSV renders the statement as CSV: one row per line, then the total.
func (st *Statement) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"period", "item", "description", "quantity", "included", "overage", "unit", "unit_price_cents", "amount_cents", "currency"})
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, l := range st.Lines {
		_ = w.Write([]string{st.Period.Name, l.Item, l.Description, i64(l.Quantity), i64(l.Included), i64(l.Overage),
			i64(l.Unit), i64(l.UnitPriceCents), i64(l.AmountCents), l.Currency})
	}
	_ = w.Write([]string{st.Period.Name, "total", "", "", "", "", "", "", i64(st.TotalCents), st.Currency})
	w.Flush()
	return b.Bytes()
}
