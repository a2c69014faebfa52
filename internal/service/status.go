package service

import (
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// MaxStatusAudience bounds the people one status post names.
const MaxStatusAudience = 1024

// channelTypes are the message types the gateway sends to a channel: what
// a channel admin posts (reactions and votes on channel posts go by the
// post's server id, which the send path does not carry).
var channelTypes = map[gateway.MessageType]bool{
	gateway.TypeText: true, gateway.TypeImage: true, gateway.TypeVideo: true, gateway.TypeAudio: true,
	gateway.TypeDocument: true, gateway.TypeSticker: true, gateway.TypeLocation: true, gateway.TypeContact: true,
	gateway.TypeEdit: true, gateway.TypeRevoke: true,
}

// statusOptions validates what a send to status@broadcast or to a channel
// may carry, and sets a status post's audience and style on the payload.
// The audience a whatsmeow session can honour is checked by
// checkStatusEngine, once the session is known.
func statusOptions(typ gateway.MessageType, rcpt gateway.Recipient, in SendInput, p *gateway.MessagePayload, fields map[string]string) {
	if !rcpt.IsStatus() {
		if len(in.StatusAudience) > 0 {
			fields["status_audience"] = "status_audience goes with a status post (recipient status@broadcast)."
		}
		if in.StatusStyle != nil {
			fields["status_style"] = "status_style goes with a text status post (recipient status@broadcast)."
		}
	}
	if rcpt.IsChannel() {
		if !channelTypes[typ] {
			fields["message_type"] = "A channel takes text, image, video, audio, document, sticker, location, contact, edit or revoke."
		}
		if in.ReplyTo != "" || len(in.Mentions) > 0 || in.MentionAll || in.ViewOnce {
			fields["recipient"] = "Posts to a channel cannot quote, mention or be view-once."
		}
		return
	}
	if !rcpt.IsStatus() {
		return
	}
	if !gateway.StatusTypes[typ] {
		fields["message_type"] = "A status post is text, image or video."
	}
	if in.ReplyTo != "" || len(in.Mentions) > 0 || in.MentionAll || in.ViewOnce {
		fields["recipient"] = "A status post cannot quote, mention or be view-once."
	}
	if len(in.StatusAudience) > MaxStatusAudience {
		fields["status_audience"] = "A status post names at most 1024 people."
	}
	p.StatusAudience = append(p.StatusAudience,
		peopleJIDs("status_audience", in.StatusAudience, "A status is shown to people: give phone numbers or user JIDs.", fields)...)
	if in.StatusStyle != nil {
		if typ != gateway.TypeText {
			fields["status_style"] = "Only a text status has a background colour and a font."
		}
		st := *in.StatusStyle
		st.Check("status_style", fields)
		if !st.IsZero() {
			p.StatusStyle = &st
		}
	}
}

// checkStatusEngine refuses what the session's engine cannot post: the
// whatsmeow engine sends a status to the audience whatsmeow computes from
// the account's status privacy setting (My contacts, My contacts except…,
// Only share with…), and has no way to name the audience per post.
func checkStatusEngine(sess *gateway.Session, p *gateway.MessagePayload) error {
	if len(p.StatusAudience) > 0 && sess.Engine == gateway.EngineWhatsmeow {
		return gateway.ValidationError(map[string]string{"status_audience": "This session posts status to the audience its status privacy setting chooses (set on the phone); leave status_audience out."})
	}
	return nil
}
