package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

func (s *Server) handlePlanList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.svc.ListPlans(r.Context())
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, planList{list})
}

func (s *Server) handlePlanGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathText(r, "plan_id")
	if err != nil {
		return err
	}
	p, err := s.svc.Plan(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, planData{*p})
}

func (s *Server) handleSubscription(w http.ResponseWriter, r *http.Request) error {
	v, err := s.svc.SubscriptionOf(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, v)
}

// handleUsage meters the caller's usage per day: from and to (dates or RFC
// 3339; default the current period), or period=YYYY-MM.
func (s *Server) handleUsage(w http.ResponseWriter, r *http.Request) error {
	period, err := periodParam(r)
	if err != nil {
		return err
	}
	from, to := period.Start, period.End
	if f, err := timeParam(r, "from"); err != nil {
		return err
	} else if f != nil {
		from = *f
	}
	if t, err := timeParam(r, "to"); err != nil {
		return err
	} else if t != nil {
		to = *t
	}
	rep, err := s.svc.Usage(r.Context(), who(r).User.ID, from, to)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, rep)
}

// periodParam reads period=YYYY-MM, the current period when absent.
func periodParam(r *http.Request) (service.Period, error) {
	q, err := query(r)
	if err != nil {
		return service.Period{}, err
	}
	if v := q.Get("period"); v != "" {
		return service.ParsePeriod(v)
	}
	return service.PeriodOf(time.Now()), nil
}

func (s *Server) handleStatement(w http.ResponseWriter, r *http.Request) error {
	period, err := periodParam(r)
	if err != nil {
		return err
	}
	st, err := s.svc.Statement(r.Context(), who(r).User, period)
	if err != nil {
		return err
	}
	return writeStatement(w, r, st)
}

// writeStatement answers JSON, or CSV when asked with format=csv or Accept: text/csv.
func writeStatement(w http.ResponseWriter, r *http.Request, st *service.Statement) error {
	q, err := query(r)
	if err != nil {
		return err
	}
	format := q.Get("format")
	switch {
	case format == "csv" || (format == "" && strings.Contains(r.Header.Get("Accept"), "text/csv")):
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="statement-`+st.Period.Name+`.csv"`)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(st.CSV())
		return nil
	case format == "" || format == "json":
		return ok(w, http.StatusOK, statementData{*st})
	}
	return gateway.Errorf(gateway.CodeInvalid, "The format must be json or csv.")
}

func (s *Server) handleAnalyticsMessages(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r)
	if err != nil {
		return err
	}
	in := service.SeriesInput{Interval: q.Get("interval"), SessionID: q.Get("session_id")}
	if f, err := timeParam(r, "from"); err != nil {
		return err
	} else if f != nil {
		in.From = *f
	}
	if t, err := timeParam(r, "to"); err != nil {
		return err
	} else if t != nil {
		in.To = *t
	}
	sid, err := ownSession(r, in.SessionID)
	if err != nil {
		return err
	}
	in.SessionID = sid
	series, err := s.svc.MessageSeries(r.Context(), who(r).User.ID, in)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, series)
}

type planList struct {
	Plans []*gateway.Plan `json:"plans" desc:"Every plan, cheapest first."`
}

type planData struct {
	Plan gateway.Plan `json:"plan" desc:"The plan."`
}

type statementData struct {
	Statement service.Statement `json:"statement" desc:"The statement."`
}
