package worker

import (
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// PayloadFromInbound is the payload stored with a received message.
func PayloadFromInbound(in *gateway.InboundMessage) *gateway.MessagePayload {
	p := &gateway.MessagePayload{
		Location: in.Location,
		Contact:  in.Contact,
		Target:   in.Target,
		Reaction: in.Reaction,
		PushName: in.PushName,
		Mentions: in.Mentions, ViewOnce: in.ViewOnce, Forwarded: in.Forwarded, LinkPreview: in.LinkPreview,
		Poll: in.Poll, Interactive: in.Interactive, StatusStyle: in.StatusStyle,
	}
	if in.Media != nil {
		p.Media = &gateway.PayloadMedia{
			URL: in.Media.URL, MIMEType: in.Media.MIMEType, FileName: in.Media.FileName, Caption: in.Media.Caption,
			Voice: in.Media.Voice, Size: in.Media.Size, SHA256: in.Media.SHA256, Path: in.Media.Path,
		}
		if p.Media.Size == 0 {
			p.Media.Size = int64(len(in.Media.Data))
		}
	}
	return p
}
