package worker

import (
	"encoding/json"
	"fmt"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Payload is the JSON stored in a message's payload column: everything a
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
// Inbound messages add push_name (the sender's WhatsApp name) and store
// media without its bytes (media.path names the stored file once media
// storage keeps it).
type Payload struct {
	Media    *PayloadMedia     `json:"media,omitempty"`
	Location *gateway.Location `json:"location,omitempty"`
	Contact  *gateway.Contact  `json:"contact,omitempty"`
	// Target is the WhatsApp id of the message a reaction, edit or revoke applies to.
	Target   string `json:"target,omitempty"`
	Reaction string `json:"reaction,omitempty"`
	PushName string `json:"push_name,omitempty"`
}

// PayloadMedia is the media of a Payload. Unlike gateway.Media it keeps
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
func (p *Payload) IsZero() bool {
	return p == nil || (p.Media == nil && p.Location == nil && p.Contact == nil &&
		p.Target == "" && p.Reaction == "" && p.PushName == "")
}

// Marshal returns the payload as stored: nil when it carries nothing.
func (p *Payload) Marshal() (json.RawMessage, error) {
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
func ParsePayload(raw json.RawMessage) (*Payload, error) {
	var p Payload
	if len(raw) == 0 || string(raw) == "null" {
		return &p, nil
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, gateway.WrapError(err, gateway.CodeValidation, "The message payload is not valid.")
	}
	return &p, nil
}

// BuildOutbound turns a stored outbound message into what an engine sends.
// CodeValidation when its payload cannot be read.
func BuildOutbound(m *gateway.Message) (*gateway.OutboundMessage, error) {
	p, err := ParsePayload(m.Payload)
	if err != nil {
		return nil, err
	}
	to := m.Recipient
	if to == "" {
		to = m.Chat
	}
	out := &gateway.OutboundMessage{
		WAMessageID: m.WAMessageID,
		To:          to,
		Type:        m.Type,
		Text:        m.Body,
		Location:    p.Location,
		Contact:     p.Contact,
		ReplyTo:     m.ReplyTo,
		Target:      p.Target,
		Reaction:    p.Reaction,
	}
	if out.Type == "" {
		out.Type = gateway.TypeText
	}
	if p.Media != nil {
		md := &gateway.Media{
			URL: p.Media.URL, Data: p.Media.Data, MIMEType: p.Media.MIMEType, FileName: p.Media.FileName,
			Caption: p.Media.Caption, Voice: p.Media.Voice, Size: p.Media.Size, SHA256: p.Media.SHA256, Path: p.Media.Path,
		}
		if md.Caption == "" {
			md.Caption = m.Body
		}
		out.Media = md
	}
	return out, nil
}

// PayloadFromInbound is the payload stored with a received message.
func PayloadFromInbound(in *gateway.InboundMessage) *Payload {
	p := &Payload{
		Location: in.Location,
		Contact:  in.Contact,
		Target:   in.Target,
		Reaction: in.Reaction,
		PushName: in.PushName,
	}
	if in.Media != nil {
		p.Media = &PayloadMedia{
			URL: in.Media.URL, MIMEType: in.Media.MIMEType, FileName: in.Media.FileName, Caption: in.Media.Caption,
			Voice: in.Media.Voice, Size: in.Media.Size, SHA256: in.Media.SHA256, Path: in.Media.Path,
		}
		if p.Media.Size == 0 {
			p.Media.Size = int64(len(in.Media.Data))
		}
	}
	return p
}
