// Package outbound reads a stored outbound message back into what an
// engine sends: the worker sending it, and whatsmeow answering a retry
// receipt for it.
package outbound

import (
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// FromStored turns a stored outbound message into what an engine sends.
// CodeValidation when its payload cannot be read.
func FromStored(m *gateway.Message) (*gateway.OutboundMessage, error) {
	p, err := gateway.ParsePayload(m.Payload)
	if err != nil {
		return nil, err
	}
	to := m.Recipient
	if to == "" {
		to = m.Chat
	}
	out := &gateway.OutboundMessage{
		WAMessageID:    m.WAMessageID,
		To:             to,
		Type:           m.Type,
		Text:           m.Body,
		Location:       p.Location,
		Contact:        p.Contact,
		ReplyTo:        m.ReplyTo,
		Target:         p.Target,
		Reaction:       p.Reaction,
		Mentions:       p.Mentions,
		MentionAll:     p.MentionAll,
		ViewOnce:       p.ViewOnce,
		Forwarded:      p.Forwarded,
		LinkPreview:    p.LinkPreview,
		NoLinkPreview:  p.NoLinkPreview,
		Poll:           p.Poll,
		Secret:         m.Secret,
		Votes:          p.Votes,
		StatusAudience: p.StatusAudience,
		StatusStyle:    p.StatusStyle,
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
