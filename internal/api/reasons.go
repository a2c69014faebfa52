package api

import (
	"encoding/json"
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/locale"
)

// The reasons the gateway stores as it learns them (a session's
// status_reason, a failed message's error, the reason in status events)
// are English sentences. An answer puts them in the client's language
// (Accept-Language, as the error envelope does): same fields, same types,
// and the same English for a client that asks for English or nothing, so
// no client has to change. Values inside a sentence (a delay, a proxy
// address) stay as they are.

// langOf is the language the request asks for: "en" or "ar".
func langOf(r *http.Request) string { return locale.Negotiate(r.Header.Get("Accept-Language")) }

// localSession is s with its status_reason in lang (a copy; s is shared
// with caches).
func localSession(lang string, s *gateway.Session) *gateway.Session {
	return localCopy(lang, s, func(s *gateway.Session) *string { return &s.StatusReason })
}

// localCopy is v with its reason (the field reason points at) in lang: a
// copy when it changes, v itself in English or without a reason.
func localCopy[T any](lang string, v *T, reason func(*T) *string) *T {
	if lang == "en" || v == nil || *reason(v) == "" {
		return v
	}
	c := *v
	r := reason(&c)
	*r = locale.TranslateReason(lang, *r)
	return &c
}

func localSessions(lang string, list []*gateway.Session) []*gateway.Session {
	return localAll(lang, list, localSession)
}

// localAll is every item of list in lang, by local (the list itself in
// English).
func localAll[T any](lang string, list []*T, local func(string, *T) *T) []*T {
	if lang == "en" {
		return list
	}
	out := make([]*T, len(list))
	for i, v := range list {
		out[i] = local(lang, v)
	}
	return out
}

// localMessage is m with its error in lang (a copy).
func localMessage(lang string, m *gateway.Message) *gateway.Message {
	return localCopy(lang, m, func(m *gateway.Message) *string { return &m.Error })
}

func localMessages(lang string, list []*gateway.Message) []*gateway.Message {
	return localAll(lang, list, localMessage)
}

// reasonKeys are the keys of an event's data that hold a reason.
var reasonKeys = []string{"reason", "error", "last_error"}

// localEventData is an event's data with its reasons in lang: the
// session.status, instance.status and message.status events carry them.
func localEventData(lang string, data json.RawMessage) json.RawMessage {
	if lang == "en" || len(data) == 0 || data[0] != '{' {
		return data
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return data
	}
	changed := false
	for _, k := range reasonKeys {
		var s string
		if raw, found := m[k]; !found || json.Unmarshal(raw, &s) != nil || s == "" {
			continue
		}
		if t := locale.TranslateReason(lang, s); t != s {
			b, _ := json.Marshal(t)
			m[k] = b
			changed = true
		}
	}
	if !changed {
		return data
	}
	b, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return b
}
