package service

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Overview is the seed's analytics overview of one account.
type Overview struct {
	Sessions  SessionCounts `json:"sessions"`
	Instances struct {
		Running int `json:"running"`
		Total   int `json:"total"`
	} `json:"instances"`
	Messages struct {
		Today     gateway.MessageCounts `json:"today"`
		ThisMonth gateway.MessageCounts `json:"this_month"`
		Total     gateway.MessageCounts `json:"total"`
	} `json:"messages"`
	Webhooks struct {
		Endpoints int `json:"endpoints"`
		// EventsToday counts the events recorded today, each of which is
		// delivered to every matching endpoint.
		EventsToday int `json:"events_today"`
	} `json:"webhooks"`
	Plan  *gateway.Plan `json:"plan"`
	Usage Usage         `json:"usage"`
}

// SessionCounts counts sessions by state.
type SessionCounts struct {
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"by_status"`
}

// Overview computes the account's usage and health from stored rows.
func (s *Service) Overview(ctx context.Context, u *gateway.User) (*Overview, error) {
	var o Overview
	now := s.now()
	var err error
	if o.Messages.Today, err = s.store.CountMessages(ctx, u.ID, dayStart(now)); err != nil {
		return nil, err
	}
	if o.Messages.ThisMonth, err = s.store.CountMessages(ctx, u.ID, monthStart(now)); err != nil {
		return nil, err
	}
	if o.Messages.Total, err = s.store.CountMessages(ctx, u.ID, timeZero); err != nil {
		return nil, err
	}
	o.Sessions.ByStatus = map[string]int{}
	for p := (gateway.Page{Page: 1, Limit: gateway.MaxPageLimit}); ; p.Page++ {
		items, total, err := s.store.ListSessions(ctx, u.ID, p)
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
	if _, o.Instances.Total, err = s.store.ListInstances(ctx, u.ID, "", gateway.Page{Page: 1, Limit: 1}); err != nil {
		return nil, err
	}
	if o.Webhooks.EventsToday, err = s.store.CountEvents(ctx, u.ID, dayStart(now)); err != nil {
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
