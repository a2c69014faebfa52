package gateway

import (
	"encoding/json"
	"fmt"
)

// MessagePayload is the JSON stored in a message's payload column: everything a
// message carries besides its text (Message.Body) and its quoted message
// (Message.ReplyTo). The API writes it for outbound messages and the worker
// for inbound ones, with this one struct, so the format lives here only.
//
// By message type:
//
//	text                          no payload (the text is Body)
//	image, video, audio,          {"media": {...}}; media.url or media.data
//	document, sticker             (base64) is required; media.caption, when
//	                              empty, is taken from Body
//	location                      {"location": {"latitude", "longitude", "name", "address"}}
//	contact                       {"contact": {"name", "phone", "vcard"}}
//	reaction                      {"target": "<wa id>", "reaction": "👍"}; no
//	                              reaction removes it
//	edit                          {"target": "<wa id>"}; the new text is Body
//	revoke                        {"target": "<wa id>"}
//	poll                          {"poll": {"question", "options", "multiple_answers"}}
//	poll_vote                     {"target": "<poll's wa id>", "votes": ["answer", …]}
//	interactive_reply (inbound)   {"interactive": {"kind", "id", "title", "description"}}; the
//	                              message answered is reply_to
//
// A status post (recipient status@broadcast: text, image or video) adds
// status_audience (user JIDs; absent: the account's contacts) and, on
// text, status_style {"background_color", "text_color", "font"}.
//
// Options of any type that allows them: mentions (user JIDs) and
// mention_all (groups) on text and captions, view_once on image, video and
// audio, forwarded on a copy of a stored message, link_preview on text.
//
// Inbound messages add push_name (the sender's WhatsApp name) and store
// media without its bytes (media.path names the stored file once media
// storage keeps it).
type MessagePayload struct {
	Media    *PayloadMedia `json:"media,omitempty" desc:"The file of an image, video, audio, document or sticker."`
	Location *Location     `json:"location,omitempty" desc:"The point of a location message."`
	Contact  *Contact      `json:"contact,omitempty" desc:"The card of a contact message."`
	// Target is the WhatsApp id of the message a reaction, edit or revoke applies to.
	Target   string `json:"target,omitempty" desc:"The WhatsApp id of the message a reaction, edit or revoke applies to."`
	Reaction string `json:"reaction,omitempty" desc:"The emoji of a reaction; empty removes one."`
	PushName string `json:"push_name,omitempty" desc:"The sender's WhatsApp display name (inbound)."`
	// Mentions are the user JIDs mentioned in the text or caption.
	Mentions   []string `json:"mentions,omitempty" desc:"User JIDs mentioned in the text or caption."`
	MentionAll bool     `json:"mention_all,omitempty" desc:"Every group member is mentioned."`
	ViewOnce   bool     `json:"view_once,omitempty" desc:"The media can be opened once."`
	Forwarded  bool     `json:"forwarded,omitempty" desc:"The message is a forward."`
	// LinkPreview is the card under a text's link: outbound, the caller's,
	// or the one the gateway made and sent, stored with the sent status;
	// inbound, the sender's.
	LinkPreview *LinkPreview `json:"link_preview,omitempty" desc:"The card under the text's link. Outbound: the caller's as given, or, when the caller gave none and did not turn it off, the card the gateway made and sent, added once the message is sent (its picture kept when at most 64 KiB). Inbound: the sender's."`
	// NoLinkPreview is the caller's link_preview: false.
	NoLinkPreview bool `json:"no_link_preview,omitempty" desc:"The sender asked for no link preview."`
	// Poll is the question and answers of a poll.
	Poll *Poll `json:"poll,omitempty" desc:"The question and answers of a poll."`
	// Votes are the answers a poll_vote chooses (Target is the poll).
	Votes []string `json:"votes,omitempty" desc:"The answers a poll_vote chooses; empty withdraws the vote."`
	// Interactive is what a received interactive_reply chose.
	Interactive *InteractiveReply `json:"interactive,omitempty" desc:"The button or list row an interactive_reply chose."`
	// StatusAudience are the user JIDs a status post is shown to (none:
	// the account's contacts); StatusStyle a text status's look.
	StatusAudience []string     `json:"status_audience,omitempty" desc:"The people a status post is shown to (user JIDs); absent: the account's contacts."`
	StatusStyle    *StatusStyle `json:"status_style,omitempty" desc:"The look of a text status: background colour, text colour, font."`
}

// InteractiveReply is a tap on a button or a list row of a business
// message (buttons, list, template buttons, or a native flow).
type InteractiveReply struct {
	Kind        string `json:"kind" desc:"button, list, template_button or native_flow."`
	ID          string `json:"id,omitempty" desc:"The id the business gave the chosen button or row."`
	Title       string `json:"title,omitempty" desc:"The text shown on the chosen button or row."`
	Description string `json:"description,omitempty" desc:"The chosen list row's description."`
	// Params is a native flow's answer, the JSON the flow returned.
	Params string `json:"params,omitempty" desc:"A native flow's answer: the JSON it returned, as text."`
}

// PayloadMedia is the media of a MessagePayload. Unlike Media it keeps
// inline bytes in JSON (base64), because the stored message is the send
// queue and must survive a restart.
type PayloadMedia struct {
	URL      string `json:"url,omitempty" desc:"Where the gateway fetched the file (media_url)."`
	Data     []byte `json:"data,omitempty" desc:"The file's bytes, base64 (only while queued; never answered for received media)."`
	MIMEType string `json:"mime_type,omitempty" desc:"The file's media type."`
	FileName string `json:"file_name,omitempty" desc:"The file name shown to the recipient (documents)."`
	Caption  string `json:"caption,omitempty" desc:"The caption shown under the media."`
	Voice    bool   `json:"voice,omitempty" desc:"true: an audio file sent as a voice note (push-to-talk): Ogg/Opus, or other audio (as data or by URL) when the gateway has AUDIO_CONVERTER."`
	Size     int64  `json:"size,omitempty" desc:"The file's size in bytes."`
	SHA256   string `json:"sha256,omitempty" desc:"The file's SHA-256, hex."`
	Path     string `json:"path,omitempty" desc:"Where the received file is stored; download it with GET /messages/{message_id}/media."`
}

// IsZero reports whether the payload carries nothing.
func (p *MessagePayload) IsZero() bool {
	return p == nil || (p.Media == nil && p.Location == nil && p.Contact == nil &&
		p.Target == "" && p.Reaction == "" && p.PushName == "" && len(p.Mentions) == 0 && !p.MentionAll &&
		!p.ViewOnce && !p.Forwarded && p.LinkPreview == nil && !p.NoLinkPreview && p.Poll == nil && len(p.Votes) == 0 && p.Interactive == nil &&
		len(p.StatusAudience) == 0 && p.StatusStyle.IsZero())
}

// Marshal returns the payload as stored: nil when it carries nothing.
func (p *MessagePayload) Marshal() (json.RawMessage, error) {
	if p.IsZero() {
		return nil, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode message payload: %w", err)
	}
	return b, nil
}

// ParsePayload reads a stored payload; an empty one gives a zero Payload.
func ParsePayload(raw json.RawMessage) (*MessagePayload, error) {
	var p MessagePayload
	if len(raw) == 0 || string(raw) == "null" {
		return &p, nil
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, WrapError(err, CodeValidation, "The message payload is not valid.")
	}
	return &p, nil
}
