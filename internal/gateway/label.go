package gateway

import (
	"context"
	"time"
)

// Labels (WhatsApp Business): named, coloured tags on chats and messages.
// WhatsApp keeps them in the account's synced app state, like a chat's
// archived or pinned state: a label is created, renamed, recoloured or
// deleted by a label_edit patch, and put on or taken off a chat or a
// message by a label_jid or label_message patch, which the account's
// other devices follow. The gateway's store keeps each session's labels
// and their chats and messages: through the API as recorded label.*
// operations whose change is applied in the operation's transaction, from
// the phone as engine events (EvLabelUpdate).

// LabelColors is how many colours WhatsApp's label palette has: a label's
// colour is an index into it, 0 to LabelColors-1.
const LabelColors = 20

// LabelNameMax is the longest label name, in characters.
const LabelNameMax = 100

// Label is one label of a session's account.
type Label struct {
	ID    string `json:"id" desc:"The label's id on WhatsApp (a small number as a string, chosen when it was created)."`
	Name  string `json:"name" desc:"The label's name."`
	Color int    `json:"color" desc:"The label's colour: an index into WhatsApp's palette of 20, 0 to 19."`
	// Chats and Messages count what carries the label.
	Chats    int `json:"chats" desc:"How many chats carry the label."`
	Messages int `json:"messages" desc:"How many messages carry the label."`
}

// Label change kinds.
const (
	LabelKindEdit    = "edit"    // created, renamed, recoloured or deleted
	LabelKindChat    = "chat"    // put on or taken off a chat
	LabelKindMessage = "message" // put on or taken off a message
)

// LabelChange is what a label operation, or the phone, does to the stored
// labels.
type LabelChange struct {
	Kind  string
	Label string
	// For edits: the name and colour, or Deleted.
	Name    string
	Color   int
	Deleted bool
	// For associations: the chat (and message), and whether the label is
	// now on it (Labeled) or was taken off.
	Chat        string
	WAMessageID string
	Labeled     bool
	At          time.Time
}

// LabelStore keeps the session's labels.
type LabelStore interface {
	// ListLabels lists a session's labels, by id, with how many chats and
	// messages carry each. CodeNotFound when the session is absent or
	// another tenant's.
	ListLabels(ctx context.Context, userID, sessionID string) ([]*Label, error)
	// ApplyLabelChange applies a change seen on another device of the
	// account and writes events in the same transaction, only when it
	// changed something; it reports whether it did. CodeNotFound when the
	// session is absent.
	ApplyLabelChange(ctx context.Context, userID, sessionID string, c LabelChange, events ...*Event) (bool, error)
	// NextLabelID hands out the id of a new label of the session, one past
	// the highest handed out or stored; callers at the same time get
	// different ids. CodeNotFound when the session is absent or another
	// tenant's.
	NextLabelID(ctx context.Context, userID, sessionID string) (string, error)
}

// LabelEngine is what an engine implements for labels. CodeRefused when
// the account is not a WhatsApp Business account (the sandbox knows; the
// real engine leaves it to WhatsApp) or WhatsApp refuses the patch.
type LabelEngine interface {
	// EditLabel creates, renames, recolours or deletes a label.
	EditLabel(ctx context.Context, r LabelEditRequest) error
	// LabelChat puts a label on a chat or takes it off.
	LabelChat(ctx context.Context, r LabelChatRequest) error
	// LabelMessage puts a label on a message or takes it off.
	LabelMessage(ctx context.Context, r LabelMessageRequest) error
}

// LabelEditRequest creates, edits or deletes a label; the service fills
// the id of a new one.
type LabelEditRequest struct {
	Label   string `json:"label" desc:"The label's id."`
	Name    string `json:"name" desc:"The label's name."`
	Color   int    `json:"color" desc:"The label's colour, 0 to 19."`
	Deleted bool   `json:"deleted,omitempty" desc:"true deletes the label."`
}

// LabelChatRequest puts a label on a chat (Labeled) or takes it off.
type LabelChatRequest struct {
	Label   string `json:"label" desc:"The label's id."`
	Chat    string `json:"chat" desc:"The chat's JID."`
	Labeled bool   `json:"labeled" desc:"true puts the label on, false takes it off."`
}

// LabelMessageRequest puts a label on a message (Labeled) or takes it off.
type LabelMessageRequest struct {
	Label       string `json:"label" desc:"The label's id."`
	Chat        string `json:"chat" desc:"The message's chat JID."`
	WAMessageID string `json:"wa_message_id" desc:"The message's WhatsApp id."`
	Labeled     bool   `json:"labeled" desc:"true puts the label on, false takes it off."`
}

// EventLabelUpdate is a label created, edited or deleted, or put on or
// taken off a chat or a message, through the API or on the phone.
const EventLabelUpdate = "label.update"

// What a label.update event says happened.
const (
	LabelCreated        = "created"
	LabelEdited         = "edited" // from the phone: created or changed
	LabelDeleted        = "deleted"
	LabelChatAdded      = "chat_added"
	LabelChatRemoved    = "chat_removed"
	LabelMessageAdded   = "message_added"
	LabelMessageRemoved = "message_removed"
)

// LabelUpdateData is the data of a label.update event.
type LabelUpdateData struct {
	SessionID string `json:"session_id" desc:"The session whose label changed."`
	Label     string `json:"label" desc:"The label's id."`
	// Change is created, edited, deleted, chat_added, chat_removed,
	// message_added or message_removed.
	Change string `json:"change" desc:"created, edited (from the phone: created or changed), deleted, chat_added, chat_removed, message_added or message_removed."`
	Name   string `json:"name,omitempty" desc:"The label's name, for created and edited."`
	Color  *int   `json:"color,omitempty" desc:"The label's colour (0 to 19), for created and edited."`
	Chat   string `json:"chat,omitempty" desc:"The chat the label was put on or taken off (or the message's chat)."`
	// WAMessageID names the message of message_added and message_removed.
	WAMessageID string `json:"wa_message_id,omitempty" desc:"The WhatsApp id of the message the label was put on or taken off."`
	Source      string `json:"source" desc:"api when made through this gateway, device when made on another device of the account (the phone)."`
}

// LabelUpdate is the label.update data of a change.
func LabelUpdate(sessionID, source string, c LabelChange, created bool) LabelUpdateData {
	d := LabelUpdateData{SessionID: sessionID, Label: c.Label, Source: source}
	switch c.Kind {
	case LabelKindEdit:
		switch {
		case c.Deleted:
			d.Change = LabelDeleted
		case created:
			d.Change = LabelCreated
		default:
			d.Change = LabelEdited
		}
		if !c.Deleted {
			color := c.Color
			d.Name, d.Color = c.Name, &color
		}
	case LabelKindChat:
		d.Change, d.Chat = LabelChatRemoved, c.Chat
		if c.Labeled {
			d.Change = LabelChatAdded
		}
	case LabelKindMessage:
		d.Change, d.Chat, d.WAMessageID = LabelMessageRemoved, c.Chat, c.WAMessageID
		if c.Labeled {
			d.Change = LabelMessageAdded
		}
	}
	return d
}

// EvLabelUpdate is a label change an engine saw on another device of the
// account. FromSync marks the state replayed by a full sync after pairing:
// stored, but not announced as an event.
type EvLabelUpdate struct {
	Change   LabelChange
	FromSync bool
}

func (EvLabelUpdate) engineEvent() {}

func labelEvents(created bool) func(sid string, r LabelEditRequest, _ Label) []AccountEvent {
	return func(sid string, r LabelEditRequest, _ Label) []AccountEvent {
		return []AccountEvent{{Type: EventLabelUpdate, Data: LabelUpdate(sid, ChangeByAPI, r.change(), created)}}
	}
}

func (r LabelEditRequest) change() LabelChange {
	return LabelChange{Kind: LabelKindEdit, Label: r.Label, Name: r.Name, Color: r.Color, Deleted: r.Deleted}
}

func editLabel(ctx context.Context, e AccountEngine, r LabelEditRequest) (Label, error) {
	err := e.EditLabel(ctx, r)
	return Label{ID: r.Label, Name: r.Name, Color: r.Color}, err
}

// Label operations: each an app-state patch on WhatsApp, recorded, with
// its change applied to the stored labels in the record's transaction.
var (
	OpLabelCreate = AccountOp[LabelEditRequest, Label]{Name: "label.create", Write: true, Call: editLabel,
		Events: labelEvents(true),
		Labels: func(r LabelEditRequest, _ Label) *LabelChange { c := r.change(); return &c }}
	OpLabelEdit = AccountOp[LabelEditRequest, Label]{Name: "label.edit", Write: true, Call: editLabel,
		Events: labelEvents(false),
		Labels: func(r LabelEditRequest, _ Label) *LabelChange { c := r.change(); return &c }}
	OpLabelDelete = AccountOp[LabelEditRequest, Label]{Name: "label.delete", Write: true, Call: editLabel,
		Events: labelEvents(false),
		Labels: func(r LabelEditRequest, _ Label) *LabelChange { c := r.change(); return &c }}
	OpLabelChat = AccountOp[LabelChatRequest, Done]{Name: "label.chat", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r LabelChatRequest) (Done, error) {
			err := e.LabelChat(ctx, r)
			return Done{Done: err == nil}, err
		},
		Events: func(sid string, r LabelChatRequest, _ Done) []AccountEvent {
			return []AccountEvent{{Type: EventLabelUpdate, Data: LabelUpdate(sid, ChangeByAPI, r.change(), false)}}
		},
		Labels: func(r LabelChatRequest, _ Done) *LabelChange { c := r.change(); return &c }}
	OpLabelMessage = AccountOp[LabelMessageRequest, Done]{Name: "label.message", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r LabelMessageRequest) (Done, error) {
			err := e.LabelMessage(ctx, r)
			return Done{Done: err == nil}, err
		},
		Events: func(sid string, r LabelMessageRequest, _ Done) []AccountEvent {
			return []AccountEvent{{Type: EventLabelUpdate, Data: LabelUpdate(sid, ChangeByAPI, r.change(), false)}}
		},
		Labels: func(r LabelMessageRequest, _ Done) *LabelChange { c := r.change(); return &c }}
)

func (r LabelChatRequest) change() LabelChange {
	return LabelChange{Kind: LabelKindChat, Label: r.Label, Chat: r.Chat, Labeled: r.Labeled}
}

func (r LabelMessageRequest) change() LabelChange {
	return LabelChange{Kind: LabelKindMessage, Label: r.Label, Chat: r.Chat, WAMessageID: r.WAMessageID, Labeled: r.Labeled}
}
