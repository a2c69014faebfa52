package gateway

import (
	"context"
	"log/slog"
	"time"
)

// Engine is one WhatsApp connection for one session: the real protocol
// (whatsmeow) or the sandbox. The worker that owns it persists what the
// engine reports before acknowledging anything, so an Engine keeps no
// business state of its own.
//
// Events reach the EventHandler given at construction, in order, on the
// engine's goroutine. A handler error means "not persisted": the engine must
// not acknowledge the event to the network (whatsmeow's synchronous ack).
type Engine interface {
	// Connect connects a paired device, or starts pairing an unpaired one
	// (QR events follow). It returns once the attempt is under way; the
	// outcome arrives as events. CodeUnavailable when the network refuses.
	Connect(ctx context.Context) error
	// Disconnect closes the connection without logging out. It never emits Disconnected.
	Disconnect()
	// Logout removes the device from WhatsApp and from the device store.
	Logout(ctx context.Context) error
	// PairPhone asks for an 8-character pairing code for phone (digits with
	// country code); the engine must be connecting and unpaired.
	// CodeConflict when already paired, CodeValidation for a bad number.
	PairPhone(ctx context.Context, phone string) (string, error)
	// Send sends one message and returns once the server has accepted it.
	// Errors carry CodeValidation (bad content), CodeUnavailable (not
	// connected: the message may be retried) or CodeInternal.
	Send(ctx context.Context, m *OutboundMessage) (SendResult, error)
	// MarkRead sends read receipts for messages of one chat and sender.
	MarkRead(ctx context.Context, r ReadReceipt) error
	// SetTyping shows or clears "typing…" (or "recording…" when audio) in a chat.
	SetTyping(ctx context.Context, chat string, typing, audio bool) error
	// CheckNumbers reports which phone numbers are on WhatsApp.
	CheckNumbers(ctx context.Context, phones []string) ([]NumberCheck, error)
	// Status reports the connection as the engine sees it.
	Status() EngineStatus
}

// Scanner is implemented by engines whose pairing can be completed through
// the API: the sandbox's "scan".
type Scanner interface {
	// Scan completes pairing as if a phone had scanned the current QR code,
	// with phone as the paired number ("" picks one). CodeConflict when not pairing.
	Scan(ctx context.Context, phone string) error
}

// EngineStatus is an engine's own view of its connection.
type EngineStatus struct {
	Connected bool   `json:"connected" desc:"true while connected to WhatsApp."`
	LoggedIn  bool   `json:"logged_in" desc:"true while the device is logged in."`
	Paired    bool   `json:"paired" desc:"true once a phone paired the session."`
	JID       string `json:"jid,omitempty" desc:"The device's WhatsApp id."`
	// LastActivity is the last time anything arrived from the network (watchdog).
	LastActivity time.Time `json:"last_activity,omitempty" desc:"When the engine last heard from WhatsApp."`
}

// EngineConfig is what an engine is built from.
type EngineConfig struct {
	SessionID string
	UserID    string
	// DeviceJID is the paired device to load; empty for a new device.
	DeviceJID string
	// BannedUntil is the end of a temporary ban recorded on the session
	// (zero when none): an engine does not connect before it.
	BannedUntil time.Time
	// Proxy is the session's own proxy URL (credentials included); ""
	// leaves the engine's default (WHATSAPP_PROXY). The sandbox dials
	// nothing, so it has no use for one.
	Proxy   string
	Handler EventHandler
	// Logger already names the session and tenant (the worker adds
	// them), so an engine's lines do not add session_id again.
	Logger *slog.Logger
	// LookupMessage returns the session's stored message with a WhatsApp
	// id (the outbound one first), CodeNotFound when none; nil when the
	// store cannot look up by WhatsApp id. The real engine reads it to
	// quote replies, address reactions and answer retry receipts.
	LookupMessage func(ctx context.Context, waMessageID string) (*Message, error)
	// Outstanding lists the session's sent messages still waiting for
	// receipts. WhatsApp's servers keep owed receipts across a restart; the
	// sandbox has no server that outlives the process, so it asks for this
	// list on connect and plays those receipts again.
	Outstanding func(ctx context.Context) ([]Outstanding, error)
}

// Outstanding is a sent message whose receipts have not all arrived.
type Outstanding struct {
	WAMessageID string
	To          string
	Voice       bool
}

// EngineFactory builds the engine for a session.
type EngineFactory func(ctx context.Context, cfg EngineConfig) (Engine, error)

// EventHandler receives an engine's events. Returning an error tells the
// engine the event was not persisted.
type EventHandler func(ctx context.Context, ev EngineEvent) error

// EngineEvent is one of the Ev* types below.
type EngineEvent interface{ engineEvent() }

// EvQR is a new pairing code to show; it expires at ExpiresAt.
type EvQR struct {
	Code      string
	ExpiresAt time.Time
}

// EvQRTimeout says the pairing codes ran out; a new Connect gives new ones.
type EvQRTimeout struct{}

// EvPaired says a phone paired the device.
type EvPaired struct {
	JID      string // device JID
	LID      string
	Phone    string
	PushName string
	Platform string
}

// EvPairError says a pairing attempt failed.
type EvPairError struct{ Reason string }

// EvConnected says the connection is up and logged in.
type EvConnected struct {
	JID      string
	Phone    string
	PushName string
}

// EvDisconnected says the connection dropped; Reconnecting tells whether the engine retries by itself.
type EvDisconnected struct {
	Reason       string
	Reconnecting bool
}

// EvLoggedOut says the device was removed (from the phone, or by WhatsApp); pairing again is needed.
type EvLoggedOut struct{ Reason string }

// EvTemporaryBan says WhatsApp banned the number until a time.
type EvTemporaryBan struct {
	Reason string
	Until  time.Time
}

// EvStreamReplaced says another connection took over these keys; never reconnect on it.
type EvStreamReplaced struct{}

// EvConnectFailure is a connection failure the engine will not retry (client outdated, say).
type EvConnectFailure struct {
	Reason    string
	Permanent bool
}

// EvReceipt moves sent messages forward.
type EvReceipt struct {
	WAMessageIDs []string
	Chat         string
	Status       MessageStatus // delivered, read, played or failed
	Reason       string        // for failed
	At           time.Time
	// Participant is, in a group, the member whose receipt this is
	// (ParticipantPhone and ParticipantLID when known); "" in a chat
	// with one person.
	Participant      string
	ParticipantPhone string
	ParticipantLID   string
}

// EvReceipts are receipts an engine had waiting together, stored in one
// transaction (the sandbox hands over at once the receipts that queued up
// behind a slow commit); each keeps its own status and time.
type EvReceipts struct{ Receipts []EvReceipt }

// EvInbound is a message that arrived.
type EvInbound struct{ Message *InboundMessage }

// EvPollVote is a vote on a poll, decrypted by the engine. Options are the
// answers now chosen (empty: withdrawn).
type EvPollVote struct {
	PollWAMessageID string
	Chat            string
	Voter           string
	VoterPhone      string
	VoterLID        string
	Options         []string
	WAMessageID     string
	Timestamp       time.Time
}

func (EvQR) engineEvent()             {}
func (EvQRTimeout) engineEvent()      {}
func (EvPaired) engineEvent()         {}
func (EvPairError) engineEvent()      {}
func (EvConnected) engineEvent()      {}
func (EvDisconnected) engineEvent()   {}
func (EvLoggedOut) engineEvent()      {}
func (EvTemporaryBan) engineEvent()   {}
func (EvStreamReplaced) engineEvent() {}
func (EvConnectFailure) engineEvent() {}
func (EvReceipt) engineEvent()        {}
func (EvReceipts) engineEvent()       {}
func (EvInbound) engineEvent()        {}
func (EvPollVote) engineEvent()       {}

// OutboundMessage is what the worker hands an engine to send.
type OutboundMessage struct {
	// WAMessageID is chosen before sending and stored, so a retry after a
	// crash reuses it and WhatsApp deduplicates.
	WAMessageID string
	To          string // a normalised JID (see ParseRecipient)
	Type        MessageType
	Text        string
	Media       *Media
	Location    *Location
	Contact     *Contact
	ReplyTo     string // WA message id quoted
	Target      string // WA message id a reaction, edit or revoke applies to
	Reaction    string // emoji; "" removes a reaction
	// Mentions are the user JIDs mentioned in the text or caption.
	Mentions []string
	// MentionAll mentions every participant of the group sent to,
	// resolved by the engine when sending.
	MentionAll bool
	// ViewOnce marks an image, video or audio as viewable once.
	ViewOnce bool
	// Forwarded marks a copy of another message, shown as "Forwarded".
	Forwarded bool
	// LinkPreview is the preview shown under a text's link: the caller's,
	// or made by the worker (internal/linkpreview) from the text's first
	// link unless NoLinkPreview, its Thumbnail filled either way before
	// the engine sends it.
	LinkPreview   *LinkPreview
	NoLinkPreview bool
	// Poll is a poll's question and answers; Secret its message secret,
	// chosen when the poll was accepted so a resend keeps it.
	Poll   *Poll
	Secret []byte
	// Votes are the answers a poll_vote chooses on the poll Target.
	Votes []string
	// StatusAudience are the user JIDs a status post (To is StatusJID) is
	// shown to; empty: the account's contacts, as its status privacy
	// setting says. StatusStyle is a text status's look.
	StatusAudience []string
	StatusStyle    *StatusStyle
}

// LinkPreview is the card shown under a link in a text message.
type LinkPreview struct {
	URL          string `json:"url" desc:"The link the card is for; it must appear in the text."`
	Title        string `json:"title,omitempty" desc:"The card's title."`
	Description  string `json:"description,omitempty" desc:"The card's description."`
	ThumbnailURL string `json:"thumbnail_url,omitempty" desc:"An image (JPEG, PNG or GIF, at most 2 MiB) shown on the card, fetched by the gateway."`
	// Thumbnail is the small JPEG the card shows, carried in the message
	// as WhatsApp carries it: made by the gateway from ThumbnailURL when
	// it sends, or received with an inbound message. A sender gives
	// ThumbnailURL, never this.
	Thumbnail []byte `json:"thumbnail,omitempty" desc:"The card's picture as the message carries it: a small JPEG (at most 320 pixels a side), base64. Received with a message, or made by the gateway from thumbnail_url; a sender gives thumbnail_url instead."`
}

// Media is the content of an image, video, audio, document or sticker.
type Media struct {
	URL      string `json:"url,omitempty"`
	Data     []byte `json:"-"`
	MIMEType string `json:"mime_type,omitempty"`
	FileName string `json:"file_name,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Size     int64  `json:"size,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	// Path is where an inbound file is kept under MEDIA_STORAGE_PATH.
	Path string `json:"-"`
	// Ref, on a history message's media, is what the engine needs to
	// download the file later (FetchMedia): history sync references
	// media, it is downloaded on its first request.
	Ref []byte `json:"-"`
}

// MediaEngine is an engine that downloads a history message's media on
// request. ref is the Media.Ref it gave with the message; the file is
// written to dest (through a temporary file beside it). CodeNotFound when
// the file is no longer on WhatsApp's servers (whatsmeow then asks the
// phone to upload it again: a later request may find it), CodeTooLarge
// over the media cap, CodeConflict when the session is not connected.
type MediaEngine interface {
	FetchMedia(ctx context.Context, ref []byte, dest string) error
}

// Location is a point on the map.
type Location struct {
	Latitude  float64 `json:"latitude" desc:"Degrees, -90 to 90."`
	Longitude float64 `json:"longitude" desc:"Degrees, -180 to 180."`
	Name      string  `json:"name,omitempty" desc:"The place's name."`
	Address   string  `json:"address,omitempty" desc:"The place's address."`
}

// Contact is a contact card.
type Contact struct {
	Name  string `json:"name" desc:"The contact's display name."`
	Phone string `json:"phone" desc:"The contact's phone number, with its country code."`
	VCard string `json:"vcard,omitempty" desc:"The full vCard, when given instead of name and phone."`
}

// SendResult is the server's acceptance of a sent message.
type SendResult struct {
	WAMessageID string
	Timestamp   time.Time
	// RecipientLID is the recipient's LID, when the engine knows it (a
	// user, not a group).
	RecipientLID string
}

// ReadReceipt marks messages of one chat and sender read.
type ReadReceipt struct {
	Chat         string
	Sender       string
	WAMessageIDs []string
	Played       bool
}

// NumberCheck says whether a phone number is on WhatsApp.
type NumberCheck struct {
	Phone string `json:"phone" desc:"The number asked, normalised to digits."`
	JID   string `json:"jid,omitempty" desc:"Its WhatsApp id, when on WhatsApp."`
	OnWA  bool   `json:"on_whatsapp" desc:"true when the number has a WhatsApp account."`
}

// InboundMessage is a message as an engine received it.
type InboundMessage struct {
	WAMessageID string
	Chat        string
	Sender      string
	SenderPhone string
	SenderLID   string
	PushName    string
	IsGroup     bool
	FromMe      bool
	Type        MessageType
	Text        string
	Media       *Media
	Location    *Location
	Contact     *Contact
	ReplyTo     string
	Target      string
	Reaction    string
	Mentions    []string // user JIDs mentioned in the text or caption
	ViewOnce    bool
	Forwarded   bool
	LinkPreview *LinkPreview
	// Poll is a received poll, Secret its message secret (kept to read
	// the votes on it, and to vote).
	Poll   *Poll
	Secret []byte
	// Interactive is what an interactive_reply chose.
	Interactive *InteractiveReply
	// StatusStyle is the look of a received text status post.
	StatusStyle *StatusStyle
	Timestamp   time.Time
}
