package service

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Labels (WhatsApp Business). The stored labels are the session's view of
// its account's app state; each write is a label.* account operation
// (an app-state patch on WhatsApp, checked by the sandbox), recorded with
// its label.update event and applied to the store in one transaction.

// Labels lists a session's labels from the store.
func (s *Service) Labels(ctx context.Context, userID, sessionID string) ([]*gateway.Label, error) {
	if _, err := s.Session(ctx, userID, sessionID); err != nil {
		return nil, err
	}
	return s.labels.ListLabels(ctx, userID, sessionID)
}

// LabelInput creates or edits a label; nil fields stay as they are (a new
// label's colour defaults to 0).
type LabelInput struct {
	Name  *string
	Color *int
}

func checkLabel(name string, color int, fields map[string]string) string {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > gateway.LabelNameMax {
		fields["name"] = "Give a label name of 1 to 100 characters."
	}
	if color < 0 || color >= gateway.LabelColors {
		fields["color"] = "A label's colour is a number from 0 to 19."
	}
	return name
}

// label finds one of the session's labels; CodeNotFound when absent.
func (s *Service) label(ctx context.Context, userID, sessionID, labelID string) (*gateway.Label, error) {
	list, err := s.Labels(ctx, userID, sessionID)
	if err != nil {
		return nil, err
	}
	for _, l := range list {
		if l.ID == labelID {
			return l, nil
		}
	}
	return nil, gateway.NotFound("Label")
}

// CreateLabel creates a label on the session's account.
func (s *Service) CreateLabel(ctx context.Context, userID, sessionID string, in LabelInput) (*gateway.Label, error) {
	fields := map[string]string{}
	name, color := "", 0
	if in.Name != nil {
		name = *in.Name
	}
	if in.Color != nil {
		color = *in.Color
	}
	name = checkLabel(name, color, fields)
	if len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	// The id is handed out by the store, never read and then written: two
	// creates at once would both pick one past the highest, and the second
	// would overwrite the first.
	id, err := s.labels.NextLabelID(ctx, userID, sessionID)
	if err != nil {
		return nil, err
	}
	res, err := runAccount(ctx, s, userID, sessionID, gateway.OpLabelCreate,
		gateway.LabelEditRequest{Label: id, Name: name, Color: color})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// UpdateLabel renames or recolours one of the session's labels.
func (s *Service) UpdateLabel(ctx context.Context, userID, sessionID, labelID string, in LabelInput) (*gateway.Label, error) {
	if in.Name == nil && in.Color == nil {
		return nil, gateway.ValidationError(map[string]string{"name": "Give a new name or colour."})
	}
	l, err := s.label(ctx, userID, sessionID, labelID)
	if err != nil {
		return nil, err
	}
	name, color := l.Name, l.Color
	if in.Name != nil {
		name = *in.Name
	}
	if in.Color != nil {
		color = *in.Color
	}
	fields := map[string]string{}
	if name = checkLabel(name, color, fields); len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	if _, err := runAccount(ctx, s, userID, sessionID, gateway.OpLabelEdit,
		gateway.LabelEditRequest{Label: l.ID, Name: name, Color: color}); err != nil {
		return nil, err
	}
	l.Name, l.Color = name, color
	return l, nil
}

// DeleteLabel deletes one of the session's labels; it comes off every chat
// and message.
func (s *Service) DeleteLabel(ctx context.Context, userID, sessionID, labelID string) (*gateway.Label, error) {
	l, err := s.label(ctx, userID, sessionID, labelID)
	if err != nil {
		return nil, err
	}
	if _, err := runAccount(ctx, s, userID, sessionID, gateway.OpLabelDelete,
		gateway.LabelEditRequest{Label: l.ID, Name: l.Name, Color: l.Color, Deleted: true}); err != nil {
		return nil, err
	}
	return l, nil
}

// LabelChat puts one of the session's labels on one of its chats
// (labeled) or takes it off, and answers the chat as it now is.
func (s *Service) LabelChat(ctx context.Context, userID, sessionID, chat, labelID string, labeled bool) (*gateway.Chat, error) {
	c, err := s.Chat(ctx, userID, sessionID, chat)
	if err != nil {
		return nil, err
	}
	if _, err := s.label(ctx, userID, sessionID, labelID); err != nil {
		return nil, err
	}
	if _, err := runAccount(ctx, s, userID, sessionID, gateway.OpLabelChat,
		gateway.LabelChatRequest{Label: labelID, Chat: c.JID, Labeled: labeled}); err != nil {
		return nil, err
	}
	return s.chats.ChatByJID(ctx, userID, sessionID, c.JID)
}

// MessageLabel is the outcome of putting a label on a message or taking it off.
type MessageLabel struct {
	MessageID string `json:"message_id" desc:"The message's id."`
	SessionID string `json:"session_id" desc:"The session the message belongs to."`
	Label     string `json:"label" desc:"The label's id."`
	Labeled   bool   `json:"labeled" desc:"true when the label is now on the message, false when it was taken off."`
}

// LabelMessage puts one of the message's session's labels on a stored
// message (labeled) or takes it off. The message must have a WhatsApp id
// (sent or received): that is what WhatsApp labels.
func (s *Service) LabelMessage(ctx context.Context, userID, messageID, labelID string, labeled bool) (*MessageLabel, error) {
	m, err := s.Message(ctx, userID, messageID)
	if err != nil {
		return nil, err
	}
	if m.WAMessageID == "" {
		return nil, gateway.Errorf(gateway.CodeConflict, "The message is not sent yet, so WhatsApp cannot label it; try again once it is sent.")
	}
	if _, err := s.label(ctx, userID, m.SessionID, labelID); err != nil {
		return nil, err
	}
	if _, err := runAccount(ctx, s, userID, m.SessionID, gateway.OpLabelMessage,
		gateway.LabelMessageRequest{Label: labelID, Chat: m.Chat, WAMessageID: m.WAMessageID, Labeled: labeled}); err != nil {
		return nil, err
	}
	return &MessageLabel{MessageID: m.ID, SessionID: m.SessionID, Label: labelID, Labeled: labeled}, nil
}

// LabelMessages lists the stored messages of the session that carry one of
// its labels, newest first, a page at a time (the chats carrying it are the
// chat list's label filter). CodeNotFound for a session or label the caller
// does not have.
func (s *Service) LabelMessages(ctx context.Context, userID, sessionID, labelID string, p gateway.Page) (List[*gateway.Message], error) {
	if _, err := s.label(ctx, userID, sessionID, labelID); err != nil {
		return List[*gateway.Message]{}, err
	}
	return s.ListMessages(ctx, userID, gateway.MessageFilter{SessionID: sessionID, Label: labelID, Page: p})
}
