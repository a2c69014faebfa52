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
//
// Options of any type that allows them: mentions (user JIDs) and
// mention_all (groups) on text and captions, view_once on image, video and
// audio, forwarded on a copy of a stored message, link_preview on text.
//
// Inbound messages add push_name (the sender's WhatsApp name) and store
// media without its bytes (media.path names the stored file once media
// storage keeps it).
type MessagePayload struct {
	Media    *PayloadMedia `json:"media,omitempty"`
	Location *Location     `json:"location,omitempty"`
	Contact  *Contact      `json:"contact,omitempty"`
	// Target is the WhatsApp id of the message a reaction, edit or revoke applies to.
	Target   string `json:"target,omitempty"`
	Reaction string `json:"reaction,omitempty"`
	PushName string `json:"push_name,omitempty"`
	// Mentions are the user JIDs mentioned in the text or caption.
	Mentions   []string `json:"mentions,omitempty"`
	MentionAll bool     `json:"mention_all,omitempty"`
	ViewOnce   bool     `json:"view_once,omitempty"`
	Forwarded  bool     `json:"forwarded,omitempty"`
	// LinkPreview is the card under a text's link, given by the caller
	// (outbound) or the sender (inbound).
	LinkPreview *LinkPreview `json:"link_preview,omitempty"`
	// NoLinkPreview is the caller's link_preview: false.
	NoLinkPreview bool `json:"no_link_preview,omitempty"`
}

// PayloadMedia is the media of a MessagePayload. Unlike Media it keeps
// inline bytes in JSON (base64), because the stored message is the send
// queue and must survive a restart.
type PayloadMedia struct {
	URL      string `json:"url,omitempty"`
	Data     []byte `json:"data,omitempty"`
	MIMEType string `json:"mime_type,omitempty"`
	FileName string `json:"file_name,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Size     int64  `json:"size,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Path     string `json:"path,omitempty"`
}

// IsZero reports whether the payload carries nothing.
func (p *MessagePayload) IsZero() bool {
	return p == nil || (p.Media == nil && p.Location == nil && p.Contact == nil &&
		p.Target == "" && p.Reaction == "" && p.PushName == "" && len(p.Mentions) == 0 && !p.MentionAll &&
		!p.ViewOnce && !p.Forwarded && p.LinkPreview == nil && !p.NoLinkPreview)
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
