package whatsmeow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"unicode/utf8"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/convert"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// MaxTextLength is the longest text WhatsApp accepts, in characters.
const MaxTextLength = 65536

// uploader uploads media to WhatsApp's servers (*whatsmeow.Client).
type uploader interface {
	Upload(ctx context.Context, plaintext []byte, appInfo wa.MediaType) (wa.UploadResponse, error)
}

// builder builds the messages that refer to other messages (*whatsmeow.Client).
type builder interface {
	BuildReaction(chat, sender types.JID, id types.MessageID, reaction string) *waE2E.Message
	BuildEdit(chat types.JID, id types.MessageID, newContent *waE2E.Message) *waE2E.Message
	BuildRevoke(chat, sender types.JID, id types.MessageID) *waE2E.Message
	EncryptPollVote(ctx context.Context, pollInfo *types.MessageInfo, vote *waE2E.PollVoteMessage) (*waE2E.PollUpdateMessage, error)
}

var errNotConnected = gateway.Errorf(gateway.CodeUnavailable, "The WhatsApp session is not connected.")

// Send sends one message with its pre-chosen WhatsApp id (so a resend
// after a crash is deduplicated by WhatsApp) and returns once WhatsApp's
// server has accepted it. Media is uploaded first: from the inline bytes,
// or fetched from its URL through the fetcher.
func (e *Engine) Send(ctx context.Context, out *gateway.OutboundMessage) (gateway.SendResult, error) {
	e.mu.Lock()
	cli, online := e.cli, e.online
	e.mu.Unlock()
	if !online {
		return gateway.SendResult{}, errNotConnected
	}
	var err error
	r := e.refsOf(ctx, out)
	if out.MentionAll {
		if r.members, err = groupMembers(ctx, cli, out); err != nil {
			return gateway.SendResult{}, err
		}
	}
	var up uploader = cli
	var channel *newsletterUploader
	if to, err := toJID(out.To); err == nil && to.Server == types.NewsletterServer {
		channel = &newsletterUploader{up: cli}
		up = channel
	}
	to, msg, err := buildMessage(ctx, cli, up, e.opts.Fetcher, e.opts.MaxMediaBytes, out, r)
	if err != nil {
		return gateway.SendResult{}, err
	}
	var extra wa.SendRequestExtra
	if channel != nil {
		extra.MediaHandle = channel.handle
	}
	if out.WAMessageID != "" {
		extra.ID = types.MessageID(out.WAMessageID)
	}
	resp, err := cli.SendMessage(ctx, to, msg, extra)
	if err != nil {
		return gateway.SendResult{}, e.sendError(err)
	}
	e.mu.Lock()
	e.lastActive = e.opts.Now()
	e.mu.Unlock()
	id := string(resp.ID)
	if id == "" {
		id = out.WAMessageID
	}
	return gateway.SendResult{WAMessageID: id, Timestamp: resp.Timestamp, RecipientLID: recipientLID(ctx, cli.Store.LIDs, to)}, nil
}

// newsletterUploader uploads the media of a channel post as channels take
// it: unencrypted (whatsmeow's UploadNewsletter: no media key, no
// encrypted hash in the message), keeping the upload's handle, which the
// send must name.
type newsletterUploader struct {
	up interface {
		UploadNewsletter(ctx context.Context, data []byte, appInfo wa.MediaType) (wa.UploadResponse, error)
	}
	handle string
}

func (u *newsletterUploader) Upload(ctx context.Context, data []byte, appInfo wa.MediaType) (wa.UploadResponse, error) {
	res, err := u.up.UploadNewsletter(ctx, data, appInfo)
	if err == nil {
		u.handle = res.Handle
	}
	return res, err
}

// recipientLID is the recipient's LID from whatsmeow's LID map, which the
// send filled when it looked the recipient's devices up: the recipient
// itself when addressed by LID, none for a group or an unmapped number.
func recipientLID(ctx context.Context, lids interface {
	GetLIDForPN(ctx context.Context, pn types.JID) (types.JID, error)
}, to types.JID) string {
	switch to.Server {
	case types.HiddenUserServer:
		return to.ToNonAD().String()
	case types.DefaultUserServer:
		if lid, err := lids.GetLIDForPN(ctx, to.ToNonAD()); err == nil && !lid.IsEmpty() {
			return lid.ToNonAD().String()
		}
	}
	return ""
}

// sendError classifies a send failure: CodeUnavailable when the message may
// be retried on the next connection, CodeValidation when WhatsApp refuses it.
func (e *Engine) sendError(err error) error {
	switch {
	case errors.Is(err, wa.ErrNotConnected), errors.Is(err, wa.ErrNotLoggedIn),
		errors.Is(err, wa.ErrMessageTimedOut), errors.Is(err, wa.ErrIQTimedOut):
		return gateway.WrapError(err, gateway.CodeUnavailable, "WhatsApp did not accept the message in time; it will be sent again.")
	case errors.Is(err, wa.ErrRecipientADJID), errors.Is(err, wa.ErrUnknownServer), errors.Is(err, wa.ErrBroadcastListUnsupported):
		return gateway.WrapError(err, gateway.CodeValidation, "WhatsApp does not accept messages to this recipient.")
	case errors.Is(err, wa.ErrServerReturnedError):
		return gateway.WrapError(err, gateway.CodeValidation, "WhatsApp refused the message.")
	}
	e.mu.Lock()
	online := e.online
	e.mu.Unlock()
	if !online {
		return gateway.WrapError(err, gateway.CodeUnavailable, "The WhatsApp session disconnected while sending; it will be sent again.")
	}
	return gateway.WrapError(fmt.Errorf("send whatsapp message: %w", err), gateway.CodeValidation, "WhatsApp could not send the message.")
}

// toJID turns a recipient in any format the API accepts into a whatsmeow
// JID: 1234567890@c.us becomes 1234567890@s.whatsapp.net, device suffixes go.
func toJID(s string) (types.JID, error) {
	r, err := gateway.ParseRecipient(s)
	if err != nil {
		return types.EmptyJID, err
	}
	switch r.Server {
	case gateway.ServerUser:
		return types.NewJID(r.User, types.DefaultUserServer), nil
	case gateway.ServerGroup:
		return types.NewJID(r.User, types.GroupServer), nil
	case gateway.ServerLID:
		return types.NewJID(r.User, types.HiddenUserServer), nil
	case gateway.ServerNewsletter:
		return types.NewJID(r.User, types.NewsletterServer), nil
	case gateway.ServerBroadcast:
		return types.StatusBroadcastJID, nil
	}
	return types.EmptyJID, gateway.Errorf(gateway.CodeValidation, "The recipient's server %q is not supported.", r.Server)
}

// buildMessage validates out and builds the whatsmeow message for it,
// uploading its media first. Errors are CodeValidation (or CodeTooLarge)
// naming what is wrong, or CodeUnavailable when the upload could not reach
// WhatsApp.
func buildMessage(ctx context.Context, b builder, up uploader, fetch MediaFetcher, maxBytes int64, out *gateway.OutboundMessage, r refs) (types.JID, *waE2E.Message, error) {
	if out == nil {
		return types.EmptyJID, nil, gateway.Errorf(gateway.CodeValidation, "The message is empty.")
	}
	to, err := toJID(out.To)
	if err != nil {
		return types.EmptyJID, nil, gateway.ValidationError(map[string]string{"recipient": gateway.ErrorMessage(err)})
	}
	fields := map[string]string{}
	needText := func() {
		switch {
		case strings.TrimSpace(out.Text) == "":
			fields["message"] = "The text is empty."
		case utf8.RuneCountInString(out.Text) > MaxTextLength:
			fields["message"] = "The text is longer than 65,536 characters."
		}
	}
	needTarget := func() {
		if out.Target == "" {
			fields["target"] = "Give the id of the message this applies to."
		}
	}
	// The quote names the quoted message's sender and carries its text,
	// as the stored message tells; when it is not stored, in a chat with
	// one person the reply quotes them (answering a customer, the common
	// case), and in a group WhatsApp shows the reply without the quote.
	var reply *waE2E.ContextInfo
	if out.ReplyTo != "" {
		reply = &waE2E.ContextInfo{StanzaID: proto.String(out.ReplyTo), QuotedMessage: r.quoted}
		switch {
		case !r.quoteSender.IsEmpty():
			reply.Participant = proto.String(r.quoteSender.String())
		case to.Server != types.GroupServer:
			reply.Participant = proto.String(to.String())
		}
	}

	ci := contextOf(reply, out, r.members, fields)
	status := to == types.StatusBroadcastJID
	if status && len(out.StatusAudience) > 0 {
		// whatsmeow posts to the audience of the account's status privacy
		// setting; it cannot name one per post (the service says so first).
		fields["status_audience"] = "This session posts status to the audience its status privacy setting chooses (set on the phone); leave status_audience out."
	}
	if status && !gateway.StatusTypes[out.Type] && out.Type != "" {
		fields["message_type"] = "A status post is text, image or video."
	}
	if (!status || out.Type != gateway.TypeText) && !out.StatusStyle.IsZero() {
		fields["status_style"] = "status_style goes with a text status post (recipient status@broadcast)."
	}

	var msg *waE2E.Message
	switch out.Type {
	case gateway.TypeText, "":
		needText()
		if len(fields) > 0 {
			break
		}
		// The preview, generated or the caller's, and its thumbnail come
		// from the worker (linkpreview.Fill), as for every engine.
		lp := out.LinkPreview
		if out.NoLinkPreview {
			lp = nil
		}
		if ci == nil && lp == nil && out.StatusStyle.IsZero() {
			msg = &waE2E.Message{Conversation: proto.String(out.Text)}
			break
		}
		x := &waE2E.ExtendedTextMessage{Text: proto.String(out.Text), ContextInfo: ci}
		styleStatus(x, out.StatusStyle, fields)
		if lp != nil {
			if !strings.Contains(out.Text, lp.URL) {
				fields["link_preview.url"] = "The preview's URL must appear in the text."
				break
			}
			x.MatchedText, x.Title, x.Description = proto.String(lp.URL), optString(lp.Title), optString(lp.Description)
			x.PreviewType = waE2E.ExtendedTextMessage_NONE.Enum()
			x.JPEGThumbnail = lp.Thumbnail
		}
		msg = &waE2E.Message{ExtendedTextMessage: x}
	case gateway.TypeImage, gateway.TypeVideo, gateway.TypeAudio, gateway.TypeDocument, gateway.TypeSticker:
		if out.Media == nil || (out.Media.URL == "" && len(out.Media.Data) == 0) {
			fields["media"] = "Give the media as a URL or as data."
			break
		}
		if out.Media.Voice && out.Type != gateway.TypeAudio {
			fields["media.voice"] = "Only audio can be a voice note."
			break
		}
		if out.ViewOnce && out.Type != gateway.TypeImage && out.Type != gateway.TypeVideo && out.Type != gateway.TypeAudio {
			fields["view_once"] = "Only an image, video or audio can be view-once."
			break
		}
		if utf8.RuneCountInString(out.Media.Caption) > MaxTextLength {
			fields["media.caption"] = "The caption is longer than 65,536 characters."
			break
		}
		if len(fields) > 0 {
			break
		}
		msg, err = buildMedia(ctx, up, fetch, maxBytes, out.Type, out.Media, ci, out.ViewOnce)
		if err != nil {
			return types.EmptyJID, nil, err
		}
	case gateway.TypeLocation:
		l := out.Location
		switch {
		case l == nil:
			fields["location"] = "Give the location's latitude and longitude."
		case math.IsNaN(l.Latitude) || l.Latitude < -90 || l.Latitude > 90:
			fields["location.latitude"] = "The latitude must be between -90 and 90."
		case math.IsNaN(l.Longitude) || l.Longitude < -180 || l.Longitude > 180:
			fields["location.longitude"] = "The longitude must be between -180 and 180."
		default:
			msg = &waE2E.Message{LocationMessage: &waE2E.LocationMessage{
				DegreesLatitude: proto.Float64(l.Latitude), DegreesLongitude: proto.Float64(l.Longitude),
				Name: optString(l.Name), Address: optString(l.Address), ContextInfo: ci,
			}}
		}
	case gateway.TypeContact:
		c := out.Contact
		if c == nil || strings.TrimSpace(c.Name) == "" {
			fields["contact.name"] = "Give the contact's name."
			break
		}
		vcard := c.VCard
		if vcard == "" {
			p, err := gateway.NormalizePhone(c.Phone)
			if err != nil {
				fields["contact.phone"] = gateway.ErrorMessage(err)
				break
			}
			vcard = buildVCard(c.Name, p)
		}
		msg = &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String(c.Name), Vcard: proto.String(vcard), ContextInfo: ci}}
	case gateway.TypeReaction:
		needTarget()
		if utf8.RuneCountInString(out.Reaction) > 16 {
			fields["reaction"] = "A reaction is one emoji."
		}
		if len(fields) == 0 {
			// The reacted message's sender, as stored; else, in a chat
			// with one person, theirs. An empty sender means "mine".
			sender := r.targetSender
			if !r.targetKnown && to.Server != types.GroupServer {
				sender = to
			}
			msg = b.BuildReaction(to, sender, types.MessageID(out.Target), out.Reaction)
		}
	case gateway.TypeEdit:
		needTarget()
		needText()
		if len(fields) == 0 {
			msg = b.BuildEdit(to, types.MessageID(out.Target), &waE2E.Message{Conversation: proto.String(out.Text)})
		}
	case gateway.TypeRevoke:
		needTarget()
		if len(fields) == 0 {
			msg = b.BuildRevoke(to, types.EmptyJID, types.MessageID(out.Target))
		}
	case gateway.TypePoll:
		msg = buildPoll(out, fields)
	case gateway.TypePollVote:
		needTarget()
		if len(fields) > 0 {
			break
		}
		if r.poll == nil {
			fields["target"] = "The poll is not stored in this session, so the vote cannot be encrypted for it."
			break
		}
		upd, err := b.EncryptPollVote(ctx, r.poll, &waE2E.PollVoteMessage{SelectedOptions: wa.HashPollOptions(out.Votes)})
		if err != nil {
			if errors.Is(err, wa.ErrOriginalMessageSecretNotFound) {
				fields["target"] = "WhatsApp's key for this poll is not on this device, so the vote cannot be encrypted."
				break
			}
			return types.EmptyJID, nil, gateway.WrapError(err, gateway.CodeInternal, "The vote could not be encrypted.")
		}
		msg = &waE2E.Message{PollUpdateMessage: upd}
	default:
		fields["message_type"] = "The message type is not supported."
	}
	if len(fields) > 0 {
		return types.EmptyJID, nil, gateway.ValidationError(fields)
	}
	return to, msg, nil
}

// styleStatus gives a text status its look: background and text colours
// (ARGB) and font, as WhatsApp's clients post them.
func styleStatus(x *waE2E.ExtendedTextMessage, st *gateway.StatusStyle, fields map[string]string) {
	if st.IsZero() {
		return
	}
	if st.BackgroundColor != "" {
		if c, err := gateway.ParseColor(st.BackgroundColor); err != nil {
			fields["status_style.background_color"] = gateway.ErrorMessage(err)
		} else {
			x.BackgroundArgb = proto.Uint32(c)
		}
	}
	if st.TextColor != "" {
		if c, err := gateway.ParseColor(st.TextColor); err != nil {
			fields["status_style.text_color"] = gateway.ErrorMessage(err)
		} else {
			x.TextArgb = proto.Uint32(c)
		}
	}
	if st.Font != "" {
		if f, ok := gateway.StatusFonts[st.Font]; !ok {
			fields["status_style.font"] = "Unknown font; use system, system_text, fb_script, system_bold, morningbreeze_regular, calistoga_regular, exo2_extrabold or courierprime_bold."
		} else {
			x.Font = waE2E.ExtendedTextMessage_FontType(f).Enum()
		}
	}
}

// buildMedia fetches (when given by URL) and uploads the media, then builds
// its message with the upload's keys and hashes.
func buildMedia(ctx context.Context, up uploader, fetch MediaFetcher, maxBytes int64, t gateway.MessageType, md *gateway.Media, reply *waE2E.ContextInfo, viewOnce bool) (*waE2E.Message, error) {
	data, mimeType := md.Data, md.MIMEType
	fetched := len(data) == 0
	if fetched {
		fetched, ct, err := fetch.Fetch(ctx, md.URL, maxBytes)
		if err != nil {
			if gateway.IsCode(err, gateway.CodeUnavailable) {
				// The media server, not WhatsApp, is down: fail the message
				// rather than hold up the queue behind it.
				return nil, gateway.WrapError(err, gateway.CodeValidation, gateway.ErrorMessage(err))
			}
			return nil, err
		}
		data = fetched
		if mimeType == "" {
			mimeType, _, _ = strings.Cut(ct, ";")
			mimeType = strings.TrimSpace(mimeType)
		}
	}
	if int64(len(data)) > maxBytes {
		return nil, gateway.Errorf(gateway.CodeTooLarge, "The media is larger than %d bytes.", maxBytes)
	}
	// Bytes given to the API were converted there, before the message was
	// stored, and so was a voice note by URL when the gateway has
	// AUDIO_CONVERTER (it fetched it); a fetched file is converted (a
	// sticker) or checked (a voice note: no converter runs on the worker)
	// now that its bytes are known.
	switch {
	case fetched && t == gateway.TypeSticker:
		converted, err := convert.Sticker(ctx, data)
		if err != nil {
			return nil, err
		}
		data, mimeType = converted, "image/webp"
	case fetched && t == gateway.TypeAudio && md.Voice && !convert.IsOgg(data):
		return nil, gateway.ValidationError(map[string]string{"media": convert.VoiceURLNotOpus})
	}
	if mimeType == "" || mimeType == "application/octet-stream" && t != gateway.TypeDocument {
		mimeType = defaultMIME(t, md.Voice, data)
	}
	mediaType := map[gateway.MessageType]wa.MediaType{
		gateway.TypeImage: wa.MediaImage, gateway.TypeSticker: wa.MediaImage, gateway.TypeVideo: wa.MediaVideo,
		gateway.TypeAudio: wa.MediaAudio, gateway.TypeDocument: wa.MediaDocument,
	}[t]
	res, err := up.Upload(ctx, data, mediaType)
	if err != nil {
		return nil, gateway.WrapError(fmt.Errorf("upload media: %w", err), gateway.CodeUnavailable, "The media could not be uploaded to WhatsApp; it will be tried again.")
	}
	caption := optString(md.Caption)
	// A view-once message is the media message with its viewOnce flag, as
	// WhatsApp's clients send it today (the ViewOnceMessage wrappers are
	// what older clients sent; whatsmeow unwraps both on receipt).
	var once *bool
	if viewOnce {
		once = proto.Bool(true)
	}
	switch t {
	case gateway.TypeImage:
		return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			URL: proto.String(res.URL), DirectPath: proto.String(res.DirectPath), MediaKey: res.MediaKey,
			FileEncSHA256: res.FileEncSHA256, FileSHA256: res.FileSHA256, FileLength: proto.Uint64(res.FileLength),
			Mimetype: proto.String(mimeType), Caption: caption, ContextInfo: reply, ViewOnce: once,
		}}, nil
	case gateway.TypeSticker:
		return &waE2E.Message{StickerMessage: &waE2E.StickerMessage{
			URL: proto.String(res.URL), DirectPath: proto.String(res.DirectPath), MediaKey: res.MediaKey,
			FileEncSHA256: res.FileEncSHA256, FileSHA256: res.FileSHA256, FileLength: proto.Uint64(res.FileLength),
			Mimetype: proto.String(mimeType), ContextInfo: reply,
			// Without the flag WhatsApp shows an animated sticker still.
			IsAnimated: optBool(convert.IsAnimatedWebP(data)),
		}}, nil
	case gateway.TypeVideo:
		return &waE2E.Message{VideoMessage: &waE2E.VideoMessage{
			URL: proto.String(res.URL), DirectPath: proto.String(res.DirectPath), MediaKey: res.MediaKey,
			FileEncSHA256: res.FileEncSHA256, FileSHA256: res.FileSHA256, FileLength: proto.Uint64(res.FileLength),
			Mimetype: proto.String(mimeType), Caption: caption, ContextInfo: reply, ViewOnce: once,
		}}, nil
	case gateway.TypeAudio:
		return &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
			URL: proto.String(res.URL), DirectPath: proto.String(res.DirectPath), MediaKey: res.MediaKey,
			FileEncSHA256: res.FileEncSHA256, FileSHA256: res.FileSHA256, FileLength: proto.Uint64(res.FileLength),
			Mimetype: proto.String(mimeType), PTT: proto.Bool(md.Voice), ContextInfo: reply, ViewOnce: once,
		}}, nil
	default:
		name := md.FileName
		if name == "" {
			name = "document"
		}
		return &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
			URL: proto.String(res.URL), DirectPath: proto.String(res.DirectPath), MediaKey: res.MediaKey,
			FileEncSHA256: res.FileEncSHA256, FileSHA256: res.FileSHA256, FileLength: proto.Uint64(res.FileLength),
			Mimetype: proto.String(mimeType), FileName: proto.String(name), Title: proto.String(name),
			Caption: caption, ContextInfo: reply,
		}}, nil
	}
}

// contextOf is the message's context: the quote, the mentioned JIDs (those
// given, plus the group's members for a mention_all) and the forwarded
// flag; nil when there is none. Bad mentions are reported in fields.
func contextOf(reply *waE2E.ContextInfo, out *gateway.OutboundMessage, members []types.JID, fields map[string]string) *waE2E.ContextInfo {
	ci := reply
	if ci == nil && (len(out.Mentions) > 0 || out.MentionAll || out.Forwarded) {
		ci = &waE2E.ContextInfo{}
	}
	if out.MentionAll && len(members) == 0 {
		fields["mention_all"] = "The group's participants are not known."
	}
	seen := map[string]bool{}
	add := func(j types.JID) {
		if s := j.String(); !seen[s] {
			seen[s] = true
			ci.MentionedJID = append(ci.MentionedJID, s)
		}
	}
	for i, m := range out.Mentions {
		j, err := toJID(m)
		if err != nil || j.Server == types.GroupServer {
			fields[fmt.Sprintf("mentions[%d]", i)] = "A mention is a user's number or JID."
			continue
		}
		add(j)
	}
	for _, j := range members {
		add(j)
	}
	if out.Forwarded {
		ci.IsForwarded, ci.ForwardingScore = proto.Bool(true), proto.Uint32(1)
	}
	return ci
}

// defaultMIME guesses a media type WhatsApp accepts when none was given.
func defaultMIME(t gateway.MessageType, voice bool, data []byte) string {
	switch {
	case t == gateway.TypeAudio && voice:
		return "audio/ogg; codecs=opus" // what WhatsApp plays as a voice note
	case t == gateway.TypeSticker:
		return "image/webp"
	}
	ct := http.DetectContentType(data)
	ct, _, _ = strings.Cut(ct, ";")
	return ct
}

// buildVCard is a contact card with the number's WhatsApp id, so the phone
// offers "Message".
func buildVCard(name, phone string) string {
	name = strings.NewReplacer("\r", " ", "\n", " ", ";", " ").Replace(name)
	return "BEGIN:VCARD\nVERSION:3.0\nFN:" + name + "\nTEL;type=CELL;waid=" + phone + ":+" + phone + "\nEND:VCARD"
}

func optBool(b bool) *bool {
	if !b {
		return nil
	}
	return proto.Bool(true)
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return proto.String(s)
}

// MarkRead sends read receipts (played for voice notes) for messages of
// one chat and sender.
func (e *Engine) MarkRead(ctx context.Context, r gateway.ReadReceipt) error {
	chat, err := toJID(r.Chat)
	if err != nil {
		return gateway.ValidationError(map[string]string{"chat": gateway.ErrorMessage(err)})
	}
	if len(r.WAMessageIDs) == 0 {
		return gateway.ValidationError(map[string]string{"message_ids": "Give at least one message id."})
	}
	sender := chat
	if r.Sender != "" {
		if sender, err = toJID(r.Sender); err != nil {
			return gateway.ValidationError(map[string]string{"sender": gateway.ErrorMessage(err)})
		}
	} else if chat.Server == types.GroupServer {
		return gateway.ValidationError(map[string]string{"sender": "Give the sender of the messages read in a group."})
	}
	cli, err := e.connectedClient()
	if err != nil {
		return err
	}
	ids := make([]types.MessageID, len(r.WAMessageIDs))
	for i, id := range r.WAMessageIDs {
		ids[i] = types.MessageID(id)
	}
	var extra []types.ReceiptType
	if r.Played {
		extra = append(extra, types.ReceiptTypePlayed)
	}
	if err := cli.MarkRead(ctx, ids, e.opts.Now(), chat, sender, extra...); err != nil {
		return offlineError(err, "The read receipt could not be sent.")
	}
	return nil
}

// SetTyping shows or clears "typing…" ("recording…" when audio) in a chat.
func (e *Engine) SetTyping(ctx context.Context, chat string, typing, audio bool) error {
	to, err := toJID(chat)
	if err != nil {
		return gateway.ValidationError(map[string]string{"chat": gateway.ErrorMessage(err)})
	}
	cli, err := e.connectedClient()
	if err != nil {
		return err
	}
	state, media := types.ChatPresencePaused, types.ChatPresenceMediaText
	if typing {
		state = types.ChatPresenceComposing
	}
	if audio {
		media = types.ChatPresenceMediaAudio
	}
	if err := cli.SendChatPresence(ctx, to, state, media); err != nil {
		return offlineError(err, "The typing indicator could not be sent.")
	}
	return nil
}

// CheckNumbers asks WhatsApp which phone numbers have an account.
func (e *Engine) CheckNumbers(ctx context.Context, phones []string) ([]gateway.NumberCheck, error) {
	if len(phones) == 0 {
		return nil, gateway.ValidationError(map[string]string{"phones": "Give at least one phone number."})
	}
	norm := make([]string, len(phones))
	query := make([]string, len(phones))
	for i, raw := range phones {
		p, err := gateway.NormalizePhone(raw)
		if err != nil {
			return nil, gateway.ValidationError(map[string]string{fmt.Sprintf("phones[%d]", i): gateway.ErrorMessage(err)})
		}
		norm[i], query[i] = p, "+"+p
	}
	cli, err := e.connectedClient()
	if err != nil {
		return nil, err
	}
	res, err := cli.IsOnWhatsApp(ctx, query)
	if err != nil {
		return nil, offlineError(err, "WhatsApp did not answer the number check.")
	}
	return numberChecks(norm, res), nil
}

// numberChecks answers for every number asked, in order; WhatsApp leaves
// out numbers it does not know.
func numberChecks(phones []string, res []types.IsOnWhatsAppResponse) []gateway.NumberCheck {
	byPhone := make(map[string]types.IsOnWhatsAppResponse, len(res))
	for _, r := range res {
		byPhone[strings.TrimPrefix(r.Query, "+")] = r
	}
	out := make([]gateway.NumberCheck, len(phones))
	for i, p := range phones {
		out[i] = gateway.NumberCheck{Phone: p}
		if r, ok := byPhone[p]; ok && r.IsIn {
			out[i].OnWA = true
			out[i].JID = r.JID.ToNonAD().String()
		}
	}
	return out
}

func (e *Engine) connectedClient() (*wa.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.online {
		return nil, errNotConnected
	}
	e.lastActive = e.opts.Now()
	return e.cli, nil
}

// offlineError reports a failed request: CodeUnavailable, since every
// failure here is WhatsApp not answering or the socket being down.
func offlineError(err error, msg string) error {
	if errors.Is(err, wa.ErrNotConnected) || errors.Is(err, wa.ErrIQTimedOut) || errors.Is(err, context.DeadlineExceeded) {
		return gateway.WrapError(err, gateway.CodeUnavailable, "The WhatsApp session is not connected.")
	}
	return gateway.WrapError(err, gateway.CodeUnavailable, msg)
}
