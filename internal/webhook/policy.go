package webhook

import (
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// reasonFailing is the disabled_reason of an endpoint turned off for a
// failing streak longer than the dispatcher's DisableAfter.
const reasonFailing = "The endpoint failed every attempt for too long."

// Policy is the product's streak policy for the store to apply: see Decide.
// disableBefore is the streak start at or before which an endpoint that is
// still failing is turned off (never when zero).
func Policy(disableBefore time.Time) gateway.StreakPolicy {
	return func(stored map[string]gateway.EndpointStreak, applied []gateway.DeliveryResult) []gateway.StreakDecision {
		return Decide(stored, applied, disableBefore)
	}
}

// Decide works out, for every endpoint with a result in applied (in the
// order they first appear), its failing streak and whether it is turned off:
//
//   - The latest attempt (by time: a batch holds results in the order
//     attempts ended, not the order they were made; a tie goes to the later
//     result) says whether it is failing. Succeeding ends the streak.
//   - A failing endpoint has failed since its first failure after the
//     batch's last success; without a success in the batch, a stored
//     streak that began earlier carries on.
//   - A result asking for it (410 Gone) turns an active endpoint off at
//     once, whatever came after; a failing streak that began at or before
//     disableBefore (when not zero) does too.
//
// An endpoint with no stored streak counts as active and not failing.
func Decide(stored map[string]gateway.EndpointStreak, applied []gateway.DeliveryResult, disableBefore time.Time) []gateway.StreakDecision {
	type tally struct {
		lastAt, lastSuccess, firstFailure time.Time
		lastOK                            bool
		disable                           string
	}
	hooks := map[string]*tally{}
	var order []string
	for _, r := range applied {
		h := hooks[r.WebhookID]
		if h == nil {
			h = &tally{}
			hooks[r.WebhookID] = h
			order = append(order, r.WebhookID)
		}
		ok := r.Status == gateway.DeliverySucceeded
		if !r.At.Before(h.lastAt) {
			h.lastAt, h.lastOK = r.At, ok
		}
		if r.Disable != "" {
			h.disable = r.Disable
		}
		if ok && r.At.After(h.lastSuccess) {
			h.lastSuccess = r.At
		}
	}
	for _, r := range applied {
		h := hooks[r.WebhookID]
		if r.Status != gateway.DeliverySucceeded && r.At.After(h.lastSuccess) &&
			(h.firstFailure.IsZero() || r.At.Before(h.firstFailure)) {
			h.firstFailure = r.At
		}
	}
	out := make([]gateway.StreakDecision, 0, len(order))
	for _, id := range order {
		h, was := hooks[id], stored[id]
		if _, known := stored[id]; !known {
			was.Active = true
		}
		d := gateway.StreakDecision{WebhookID: id}
		if !h.lastOK {
			since := h.lastAt // a failure tied with the last success
			if !h.firstFailure.IsZero() {
				since = h.firstFailure
			}
			if h.lastSuccess.IsZero() && was.FailingSince != nil && was.FailingSince.Before(since) {
				since = *was.FailingSince
			}
			d.FailingSince = &since
		}
		switch {
		case !was.Active:
		case h.disable != "":
			d.Disable = h.disable
		case d.FailingSince != nil && !disableBefore.IsZero() && !d.FailingSince.After(disableBefore):
			d.Disable = reasonFailing
		}
		out = append(out, d)
	}
	return out
}
