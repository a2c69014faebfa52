package service

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// SeriesInput selects an analytics time series.
type SeriesInput struct {
	From, To  time.Time
	Interval  string // "day" or "hour"
	SessionID string
}

// SeriesPoint is one bucket of the time series.
type SeriesPoint struct {
	Start    time.Time        `json:"start" desc:"The bucket's start."`
	Outbound map[string]int64 `json:"outbound" desc:"Outbound messages by status."` // by status
	Inbound  int64            `json:"inbound" desc:"Inbound messages."`
	Total    int64            `json:"total" desc:"Every message of the bucket."`
}

// Latency is the delivery latency distribution (delivered_at - sent_at)
// of outbound messages, in milliseconds. Percentiles are the upper bound of
// the histogram bucket holding them: 10 ms resolution below 1 s, 100 ms below
// 10 s, 1 s below 2 min, 10 s below 1 h, 1 min beyond.
type Latency struct {
	Count int64  `json:"count" desc:"Messages measured."`
	P50   *int64 `json:"p50_ms" desc:"Median, in milliseconds; null with none measured."`
	P90   *int64 `json:"p90_ms" desc:"90th percentile, in milliseconds."`
	P99   *int64 `json:"p99_ms" desc:"99th percentile, in milliseconds."`
}

// Series is the answer of GET /analytics/messages.
type Series struct {
	From         time.Time     `json:"from" desc:"Start of the first bucket."`
	To           time.Time     `json:"to" desc:"End of the last bucket, exclusive."`
	Interval     string        `json:"interval" desc:"Bucket size: day or hour."`
	SessionID    string        `json:"session_id,omitempty" desc:"The one session counted, when asked."`
	Points       []SeriesPoint `json:"points" desc:"One point per bucket, every bucket present."`
	Outbound     int64         `json:"outbound" desc:"Outbound messages in the range."`
	Inbound      int64         `json:"inbound" desc:"Inbound messages in the range."`
	Delivered    int64         `json:"delivered" desc:"Outbound messages delivered (or read)."` // delivered, read or played
	Failed       int64         `json:"failed" desc:"Outbound messages that failed."`
	DeliveryRate *float64      `json:"delivery_rate" desc:"delivered / (sent or further, or failed); null with no such message."` // delivered / (outbound that reached a final answer: sent or further, or failed)
	Latency      Latency       `json:"delivery_latency" desc:"Percentiles of delivered_at - sent_at."`
}

// Longest ranges per interval: a series is meant for a chart.
const (
	maxDayRange  = 400 * 24 * time.Hour
	maxHourRange = 92 * 24 * time.Hour
)

// MessageSeries returns a tenant's messages per interval by direction and
// status, with the delivery rate and latency percentiles, all computed from
// the stored messages.
func (s *Service) MessageSeries(ctx context.Context, userID string, in SeriesInput) (*Series, error) {
	fields := map[string]string{}
	var bucket time.Duration
	switch in.Interval {
	case "", "day":
		in.Interval, bucket = "day", 24*time.Hour
	case "hour":
		bucket = time.Hour
	default:
		fields["interval"] = "The interval must be day or hour."
	}
	now := s.now()
	if in.To.IsZero() {
		in.To = now
	}
	if in.From.IsZero() {
		in.From = in.To.Add(-30 * 24 * time.Hour)
	}
	if bucket > 0 {
		in.From = in.From.Truncate(bucket)
		if t := in.To.Truncate(bucket); !t.Equal(in.To) {
			in.To = t.Add(bucket)
		}
	}
	if !in.To.After(in.From) {
		fields["to"] = "The end must be after the start."
	} else if bucket == time.Hour && in.To.Sub(in.From) > maxHourRange {
		fields["from"] = "An hourly series covers at most 92 days; use interval=day."
	} else if in.To.Sub(in.From) > maxDayRange {
		fields["from"] = "A series covers at most 400 days."
	}
	if in.SessionID != "" {
		if _, err := uuid.Parse(in.SessionID); err != nil {
			fields["session_id"] = "The session id must be a UUID."
		}
	}
	if len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	if err := s.sessionFilter(ctx, userID, in.SessionID); err != nil {
		return nil, err
	}
	f := gateway.SeriesFilter{From: in.From, To: in.To, Bucket: bucket, SessionID: in.SessionID}
	rows, err := s.saasStore.MessageSeries(ctx, userID, f)
	if err != nil {
		return nil, err
	}
	out := &Series{From: in.From, To: in.To, Interval: in.Interval, SessionID: in.SessionID, Points: []SeriesPoint{}}
	// Every bucket is present, zero or not, so charts need no gap filling.
	index := map[int64]int{}
	for t := in.From; t.Before(in.To); t = t.Add(bucket) {
		index[t.Unix()] = len(out.Points)
		out.Points = append(out.Points, SeriesPoint{Start: t, Outbound: map[string]int64{}})
	}
	var final int64
	for _, r := range rows {
		i, ok := index[r.Bucket.Unix()]
		if !ok {
			continue
		}
		p := &out.Points[i]
		p.Total += r.Count
		if r.Direction == gateway.DirectionInbound {
			p.Inbound += r.Count
			out.Inbound += r.Count
			continue
		}
		p.Outbound[string(r.Status)] += r.Count
		out.Outbound += r.Count
		switch r.Status {
		case gateway.MessageDelivered, gateway.MessageRead, gateway.MessagePlayed:
			out.Delivered += r.Count
			final += r.Count
		case gateway.MessageFailed:
			out.Failed += r.Count
			final += r.Count
		case gateway.MessageSent:
			final += r.Count
		}
	}
	if final > 0 {
		rate := float64(out.Delivered) / float64(final)
		out.DeliveryRate = &rate
	}
	hist, err := s.saasStore.DeliveryLatency(ctx, userID, f)
	if err != nil {
		return nil, err
	}
	out.Latency = percentiles(hist)
	return out, nil
}

// percentiles reads p50, p90 and p99 off a histogram in ascending order.
func percentiles(hist []gateway.LatencyBucket) Latency {
	var l Latency
	for _, b := range hist {
		l.Count += b.Count
	}
	if l.Count == 0 {
		return l
	}
	want := []struct {
		q   float64
		dst **int64
	}{{0.50, &l.P50}, {0.90, &l.P90}, {0.99, &l.P99}}
	var seen int64
	i := 0
	for _, b := range hist {
		seen += b.Count
		for i < len(want) && float64(seen) >= want[i].q*float64(l.Count) {
			v := b.UpperMillis
			*want[i].dst = &v
			i++
		}
	}
	return l
}
