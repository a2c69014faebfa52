package whatsmeow

import (
	"context"
	"encoding/hex"
	"regexp"
	"strings"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// lidMap is the part of whatsmeow's LID store the engine reads: the
// mapping between phone-number JIDs and LIDs that WhatsApp shares.
type lidMap interface {
	GetPNForLID(ctx context.Context, lid types.JID) (types.JID, error)
	GetLIDForPN(ctx context.Context, pn types.JID) (types.JID, error)
}

// inbound turns a received message into an InboundMessage, or nil when it
// carries nothing a user sees (protocol messages, key distribution).
func (e *Engine) inbound(cli *wa.Client, v *events.Message) *gateway.InboundMessage {
	in := convertMessage(v.Message)
	if in == nil {
		return nil
	}
	if v.Info.Chat == types.StatusBroadcastJID {
		// A contact's status post: stored under status@broadcast and
		// announced as status.post (opt-in), never as a message.
		in.StatusStyle = statusStyleOf(v.Message.GetExtendedTextMessage())
	}
	// whatsmeow has unwrapped a ViewOnceMessage(V2) wrapper; the media's
	// own flag (what current clients send) is read by convertMessage.
	in.ViewOnce = in.ViewOnce || v.IsViewOnce
	e.mu.Lock()
	ctx := e.hctx
	e.mu.Unlock()
	var lids lidMap
	if cli.Store != nil && cli.Store.LIDs != nil {
		lids = cli.Store.LIDs
	}
	fillSource(ctx, lids, v.Info, in)
	if in.Media != nil && e.opts.MediaDir != "" {
		in.Media.Path = gateway.MediaPath(e.cfg.SessionID, in.WAMessageID, in.Media.MIMEType, in.Media.FileName)
	}
	return in
}

// fillSource sets the ids, chat, sender (phone number and LID both) and
// time of in from the message's info.
func fillSource(ctx context.Context, lids lidMap, info types.MessageInfo, in *gateway.InboundMessage) {
	in.WAMessageID = info.ID
	in.PushName = info.PushName
	in.IsGroup = info.IsGroup
	in.FromMe = info.IsFromMe
	in.Timestamp = info.Timestamp
	sender, phone, lid := resolveUser(ctx, lids, info.Sender, info.SenderAlt)
	in.Sender, in.SenderPhone, in.SenderLID = sender, phone, lid

	chat := info.Chat.ToNonAD()
	if chat == types.StatusBroadcastJID {
		in.Chat, in.IsGroup = gateway.StatusJID, false
		return
	}
	if chat.Server == types.BroadcastServer && !info.IsFromMe {
		// A broadcast list message shows in the direct chat with its sender.
		in.Chat, in.IsGroup = sender, false
		return
	}
	if !info.IsGroup && chat.Server == types.HiddenUserServer {
		alt := info.SenderAlt
		if info.IsFromMe {
			alt = info.RecipientAlt
		}
		if chat.User == info.Sender.User && phone != "" {
			alt = types.NewJID(phone, types.DefaultUserServer)
		}
		// A DM addressed by LID is stored under the phone number when it
		// is known: sending to a LID can open a second chat on the phone.
		c, _, _ := resolveUser(ctx, lids, chat, alt)
		in.Chat = c
	} else {
		in.Chat = nonEmpty(chat)
	}
}

// statusStyleOf reads the look of a text status: its colours and font;
// nil when it has none.
func statusStyleOf(x *waE2E.ExtendedTextMessage) *gateway.StatusStyle {
	if x == nil {
		return nil
	}
	st := &gateway.StatusStyle{}
	if x.BackgroundArgb != nil {
		st.BackgroundColor = gateway.FormatColor(x.GetBackgroundArgb())
	}
	if x.TextArgb != nil {
		st.TextColor = gateway.FormatColor(x.GetTextArgb())
	}
	if x.Font != nil {
		st.Font = gateway.StatusFontName(int32(x.GetFont()))
	}
	if st.IsZero() {
		return nil
	}
	return st
}

// resolveUser returns a user's JID as the gateway shows it (the phone-number
// JID when known, else the LID), its phone number and its LID, from the
// JID, its alternative (SenderAlt or RecipientAlt) and the LID map.
func resolveUser(ctx context.Context, lids lidMap, j, alt types.JID) (jid, phone, lid string) {
	j, alt = j.ToNonAD(), alt.ToNonAD()
	var pn, l types.JID
	switch j.Server {
	case types.DefaultUserServer:
		pn = j
		if alt.Server == types.HiddenUserServer {
			l = alt
		} else if lids != nil && ctx != nil {
			l, _ = lids.GetLIDForPN(ctx, j)
		}
	case types.HiddenUserServer:
		l = j
		if alt.Server == types.DefaultUserServer {
			pn = alt
		} else if lids != nil && ctx != nil {
			pn, _ = lids.GetPNForLID(ctx, j)
		}
	default:
		return nonEmpty(j), "", ""
	}
	if !pn.IsEmpty() {
		phone = pn.User
		jid = pn.ToNonAD().String()
	} else {
		jid = j.String()
	}
	if !l.IsEmpty() {
		lid = l.ToNonAD().String()
	}
	return jid, phone, lid
}

// convertMessage reads the content of a message (whatsmeow has already
// unwrapped ephemeral, view-once and edit wrappers). nil when it carries
// nothing a user sees.
func convertMessage(m *waE2E.Message) *gateway.InboundMessage {
	if m == nil {
		return nil
	}
	in := &gateway.InboundMessage{}
	var ci *waE2E.ContextInfo
	switch {
	case m.GetConversation() != "":
		in.Type, in.Text = gateway.TypeText, m.GetConversation()
	case m.GetExtendedTextMessage() != nil:
		x := m.GetExtendedTextMessage()
		in.Type, in.Text, ci = gateway.TypeText, x.GetText(), x.GetContextInfo()
		if u := x.GetMatchedText(); u != "" {
			in.LinkPreview = &gateway.LinkPreview{URL: u, Title: x.GetTitle(), Description: x.GetDescription()}
			// The card's picture travels in the message; one far larger
			// than a thumbnail is not kept in every stored copy and event.
			if t := x.GetJPEGThumbnail(); len(t) <= maxInboundThumbnail {
				in.LinkPreview.Thumbnail = t
			}
		}
	case m.GetImageMessage() != nil:
		x := m.GetImageMessage()
		in.Type, ci = gateway.TypeImage, x.GetContextInfo()
		in.Media = mediaOf(x.GetMimetype(), "", x.GetCaption(), x.GetFileLength(), x.GetFileSHA256())
		in.ViewOnce = x.GetViewOnce()
	case m.GetVideoMessage() != nil || m.GetPtvMessage() != nil:
		x := m.GetVideoMessage()
		if x == nil {
			x = m.GetPtvMessage()
		}
		in.Type, ci = gateway.TypeVideo, x.GetContextInfo()
		in.Media = mediaOf(x.GetMimetype(), "", x.GetCaption(), x.GetFileLength(), x.GetFileSHA256())
		in.ViewOnce = x.GetViewOnce()
	case m.GetAudioMessage() != nil:
		x := m.GetAudioMessage()
		in.Type, ci = gateway.TypeAudio, x.GetContextInfo()
		in.Media = mediaOf(x.GetMimetype(), "", "", x.GetFileLength(), x.GetFileSHA256())
		in.Media.Voice = x.GetPTT()
		in.ViewOnce = x.GetViewOnce()
	case m.GetDocumentMessage() != nil:
		x := m.GetDocumentMessage()
		in.Type, ci = gateway.TypeDocument, x.GetContextInfo()
		name := x.GetFileName()
		if name == "" {
			name = x.GetTitle()
		}
		in.Media = mediaOf(x.GetMimetype(), name, x.GetCaption(), x.GetFileLength(), x.GetFileSHA256())
	case m.GetStickerMessage() != nil:
		x := m.GetStickerMessage()
		in.Type, ci = gateway.TypeSticker, x.GetContextInfo()
		in.Media = mediaOf(x.GetMimetype(), "", "", x.GetFileLength(), x.GetFileSHA256())
	case m.GetLocationMessage() != nil:
		x := m.GetLocationMessage()
		in.Type, ci = gateway.TypeLocation, x.GetContextInfo()
		in.Location = &gateway.Location{Latitude: x.GetDegreesLatitude(), Longitude: x.GetDegreesLongitude(), Name: x.GetName(), Address: x.GetAddress()}
	case m.GetLiveLocationMessage() != nil:
		x := m.GetLiveLocationMessage()
		in.Type, ci = gateway.TypeLocation, x.GetContextInfo()
		in.Location = &gateway.Location{Latitude: x.GetDegreesLatitude(), Longitude: x.GetDegreesLongitude(), Name: x.GetCaption()}
		in.Text = x.GetCaption()
	case m.GetContactMessage() != nil:
		x := m.GetContactMessage()
		in.Type, ci = gateway.TypeContact, x.GetContextInfo()
		in.Contact = &gateway.Contact{Name: x.GetDisplayName(), Phone: vcardPhone(x.GetVcard()), VCard: x.GetVcard()}
	case m.GetContactsArrayMessage() != nil && len(m.GetContactsArrayMessage().GetContacts()) > 0:
		x := m.GetContactsArrayMessage()
		first := x.GetContacts()[0]
		in.Type, ci = gateway.TypeContact, x.GetContextInfo()
		in.Contact = &gateway.Contact{Name: first.GetDisplayName(), Phone: vcardPhone(first.GetVcard()), VCard: first.GetVcard()}
	case pollCreation(m) != nil:
		x := pollCreation(m)
		in.Type, ci = gateway.TypePoll, x.GetContextInfo()
		in.Poll = &gateway.Poll{Question: x.GetName(), MultipleAnswers: x.GetSelectableOptionsCount() != 1}
		for _, o := range x.GetOptions() {
			in.Poll.Options = append(in.Poll.Options, o.GetOptionName())
		}
		in.Text = x.GetName()
		// The poll's key, kept with it: votes on it are encrypted with it.
		in.Secret = m.GetMessageContextInfo().GetMessageSecret()
	case m.GetButtonsResponseMessage() != nil:
		x := m.GetButtonsResponseMessage()
		ci = x.GetContextInfo()
		in.Interactive = &gateway.InteractiveReply{Kind: "button", ID: x.GetSelectedButtonID(), Title: x.GetSelectedDisplayText()}
	case m.GetListResponseMessage() != nil:
		x := m.GetListResponseMessage()
		ci = x.GetContextInfo()
		in.Interactive = &gateway.InteractiveReply{Kind: "list", ID: x.GetSingleSelectReply().GetSelectedRowID(), Title: x.GetTitle(),
			Description: x.GetDescription()}
	case m.GetTemplateButtonReplyMessage() != nil:
		x := m.GetTemplateButtonReplyMessage()
		ci = x.GetContextInfo()
		in.Interactive = &gateway.InteractiveReply{Kind: "template_button", ID: x.GetSelectedID(), Title: x.GetSelectedDisplayText()}
	case m.GetInteractiveResponseMessage() != nil:
		x := m.GetInteractiveResponseMessage()
		ci = x.GetContextInfo()
		nf := x.GetNativeFlowResponseMessage()
		in.Interactive = &gateway.InteractiveReply{Kind: "native_flow", ID: nf.GetName(), Title: x.GetBody().GetText(), Params: nf.GetParamsJSON()}
	case m.GetReactionMessage() != nil:
		x := m.GetReactionMessage()
		in.Type, in.Target, in.Reaction = gateway.TypeReaction, x.GetKey().GetID(), x.GetText()
	case m.GetProtocolMessage() != nil:
		p := m.GetProtocolMessage()
		switch p.GetType() {
		case waE2E.ProtocolMessage_REVOKE:
			in.Type, in.Target = gateway.TypeRevoke, p.GetKey().GetID()
		case waE2E.ProtocolMessage_MESSAGE_EDIT:
			edited := convertMessage(p.GetEditedMessage())
			in.Type, in.Target = gateway.TypeEdit, p.GetKey().GetID()
			if edited != nil {
				in.Text = edited.Text
				if in.Text == "" && edited.Media != nil {
					in.Text = edited.Media.Caption
				}
			}
		default:
			return nil // history sync, app-state keys, ephemeral settings…
		}
	default:
		if isOnlyContext(m) {
			return nil
		}
		in.Type = gateway.TypeUnknown
	}
	if in.Interactive != nil {
		// A reply to buttons, a list or a flow reads as what was chosen.
		in.Type, in.Text = gateway.TypeInteractiveReply, in.Interactive.Title
	}
	if in.Media != nil && in.Text == "" {
		in.Text = in.Media.Caption
	}
	in.ReplyTo = ci.GetStanzaID()
	in.Mentions = ci.GetMentionedJID()
	in.Forwarded = ci.GetIsForwarded()
	return in
}

// isOnlyContext reports a message that carries context (secrets, device
// lists) but no content, which whatsmeow still dispatches.
func isOnlyContext(m *waE2E.Message) bool {
	c := &waE2E.Message{MessageContextInfo: m.GetMessageContextInfo(), SenderKeyDistributionMessage: m.GetSenderKeyDistributionMessage()}
	return proto.Equal(c, m)
}

func mediaOf(mimeType, fileName, caption string, size uint64, sum []byte) *gateway.Media {
	md := &gateway.Media{MIMEType: mimeType, FileName: fileName, Caption: caption, Size: int64(size)}
	if len(sum) > 0 {
		md.SHA256 = hex.EncodeToString(sum)
	}
	return md
}

var waidRE = regexp.MustCompile(`waid=(\d{7,15})`)

// vcardPhone finds a contact card's WhatsApp number (the TEL line's waid).
func vcardPhone(vcard string) string {
	if m := waidRE.FindStringSubmatch(vcard); m != nil {
		return m[1]
	}
	for _, line := range strings.Split(vcard, "\n") {
		if strings.HasPrefix(strings.ToUpper(line), "TEL") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				if p, err := gateway.NormalizePhone(strings.TrimSpace(v)); err == nil {
					return p
				}
			}
		}
	}
	return ""
}

// maxInboundThumbnail bounds the link preview picture kept from a
// received message (WhatsApp's own are a few KiB).
const maxInboundThumbnail = 128 << 10
