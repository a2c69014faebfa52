package service

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Overview is the seed's analytics overview of one account.
type Overview struct {
	Sessions  SessionCounts `json:"sessions" desc:"Sessions by status."`
	Instances struct {
		Running int `json:"running" desc:"Instances running now."`
		Total   int `json:"total" desc:"Every instance."`
	} `json:"instances" desc:"Running and total instances."`
	Messages struct {
		Today     gateway.MessageCounts `json:"today" desc:"Messages of the UTC day."`
		ThisMonth gateway.MessageCounts `json:"this_month" desc:"Messages of the UTC month."`
		Total     gateway.MessageCounts `json:"total" desc:"Every message."`
	} `json:"messages" desc:"Messages today, this month and in all, by status."`
	Webhooks struct {
		Endpoints int `json:"endpoints" desc:"Webhook endpoints of the account."`
		// EventsToday counts the events recorded today, each of which is
		// delivered to every matching endpoint.
		EventsToday int `json:"events_today" desc:"Events recorded today (each goes to every matching endpoint)."`
	} `json:"webhooks" desc:"Webhook endpoints and the events of the day."`
	Plan  *gateway.Plan `json:"plan" desc:"The account's plan."`
	Usage Usage         `json:"usage" desc:"What it holds and sent, against the plan's limits."`
}

// SessionCounts counts sessions by state.
type SessionCounts struct {
	Total    int            `json:"total" desc:"Every session."`
	ByStatus map[string]int `json:"by_status" desc:"Sessions by status."`
}

// Overview computes the account's usage and health from stored rows.
func (s *Service) Overview(ctx context.Context, u *gateway.User) (*Overview, error) {
	var o Overview
	now := s.now()
	var err error
	if o.Messages.Today, err = s.messages.CountMessages(ctx, u.ID, dayStart(now)); err != nil {
		return nil, err
	}
	if o.Messages.ThisMonth, err = s.messages.CountMessages(ctx, u.ID, monthStart(now)); err != nil {
		return nil, err
	}
	if o.Messages.Total, err = s.messages.CountMessages(ctx, u.ID, timeZero); err != nil {
		return nil, err
	}
	o.Sessions.ByStatus = map[string]int{}
	for p := (gateway.Page{Page: 1, Limit: gateway.MaxPageLimit}); ; p.Page++ {
		items, total, err := s.sessions.ListSessions(ctx, u.ID, p)
		if err != nil {
			return nil, err
		}
		for _, sess := range items {
			o.Sessions.ByStatus[string(sess.Status)]++
		}
		o.Sessions.Total = total
		if p.Last(total) {
			break
		}
	}
	if _, o.Instances.Total, err = s.instances.ListInstances(ctx, u.ID, "", gateway.Page{Page: 1, Limit: 1}); err != nil {
		return nil, err
	}
	if o.Webhooks.EventsToday, err = s.events.CountEvents(ctx, u.ID, dayStart(now)); err != nil {
		return nil, err
	}
	if o.Plan, err = s.PlanOf(ctx, u); err != nil {
		return nil, err
	}
	if o.Usage, err = s.usage(ctx, u.ID); err != nil {
		return nil, err
	}
	o.Instances.Running = o.Usage.Instances
	o.Webhooks.Endpoints = o.Usage.Webhooks
	return &o, nil
}
