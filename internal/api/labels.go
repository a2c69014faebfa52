package api

import (
	"context"
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// Labels (WhatsApp Business): the session's labels read from the
// gateway's store, and the label operations, done on WhatsApp and
// recorded as label.* operations with label.update events.

// labelHandlers are the handlers of labelOperations, by operation id.
func (s *Server) labelHandlers() map[string]handler {
	return map[string]handler{
		"listLabels":        onID(s, "session_id", http.StatusOK, read(s.svc.Labels), labelsStored),
		"listLabelMessages": s.handleLabelMessages,
		"createLabel":       onID(s, "session_id", http.StatusCreated, s.createLabel, oneLabel),
		"updateLabel":       onItem(s, "label_id", http.StatusOK, s.updateLabel, oneLabel),
		"deleteLabel":       onItem(s, "label_id", http.StatusOK, readItem(s.svc.DeleteLabel), labelGone),
		"labelChat":         s.handleLabelChat(true),
		"unlabelChat":       s.handleLabelChat(false),
		"labelMessage":      s.handleLabelMessage(true),
		"unlabelMessage":    s.handleLabelMessage(false),
	}
}

// labelList is a session's labels.
type labelList struct {
	Labels []*gateway.Label `json:"labels" desc:"The session's labels, by id."`
	Source string           `json:"source" desc:"store: read from the gateway's database."`
}

// labelAnswer is one label.
type labelAnswer struct {
	Label *gateway.Label `json:"label" desc:"The label."`
}

// labelDeleted answers a deleted label.
type labelDeleted struct {
	Label   *gateway.Label `json:"label" desc:"The label as it was."`
	Deleted bool           `json:"deleted" desc:"true: the label is deleted, and off every chat and message."`
}

// labelRequest creates or edits a label.
type labelRequest struct {
	Name  *string `json:"name" desc:"The label's name, 1 to 100 characters (required to create)."`
	Color *int    `json:"color" desc:"The label's colour: an index into WhatsApp's palette, 0 to 19 (default 0 at creation)."`
}

// messageLabelAnswer is a message's label put on or taken off.
type messageLabelAnswer struct {
	Message *service.MessageLabel `json:"message_label" desc:"The message and the label."`
}

func labelsStored(_ *http.Request, l []*gateway.Label) any { return labelList{l, service.SourceStore} }
func oneLabel(_ *http.Request, l *gateway.Label) any       { return labelAnswer{l} }
func labelGone(_ *http.Request, l *gateway.Label) any      { return labelDeleted{l, true} }

func (s *Server) createLabel(ctx context.Context, userID, sessionID string, req labelRequest) (*gateway.Label, error) {
	return s.svc.CreateLabel(ctx, userID, sessionID, service.LabelInput(req))
}

func (s *Server) updateLabel(ctx context.Context, userID, sessionID, label string, req labelRequest) (*gateway.Label, error) {
	return s.svc.UpdateLabel(ctx, userID, sessionID, label, service.LabelInput(req))
}

func (s *Server) handleLabelChat(labeled bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, chat, err := sessionAnd(r, "chat_id")
		if err != nil {
			return err
		}
		label, err := pathText(r, "label_id")
		if err != nil {
			return err
		}
		c, err := s.svc.LabelChat(r.Context(), who(r).User.ID, id, chat, label, labeled)
		if err != nil {
			return err
		}
		return ok(w, http.StatusOK, chatActionAnswer{c})
	}
}

func (s *Server) handleLabelMessage(labeled bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "message_id")
		if err != nil {
			return err
		}
		label, err := pathText(r, "label_id")
		if err != nil {
			return err
		}
		m, err := s.svc.LabelMessage(r.Context(), who(r).User.ID, id, label, labeled)
		if err != nil {
			return err
		}
		return ok(w, http.StatusOK, messageLabelAnswer{m})
	}
}

func (s *Server) handleLabelMessages(w http.ResponseWriter, r *http.Request) error {
	id, label, err := sessionAnd(r, "label_id")
	if err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	list, err := s.svc.LabelMessages(r.Context(), who(r).User.ID, id, label, p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, messageList{localMessages(langOf(r), list.Items), list.Pagination})
}
