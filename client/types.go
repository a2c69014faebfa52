package client

import (
	"encoding/json"
	"time"
)

// User is an account (tenant).
type User struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	Phone         string    `json:"phone,omitempty"`
	Role          string    `json:"role"`
	Status        string    `json:"status"`
	PlanID        string    `json:"plan_id"`
	EmailVerified bool      `json:"email_verified"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Auth is the answer of register and login.
type Auth struct {
	User      *User     `json:"user"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Plan is a plan with its limits (negative: unlimited).
type Plan struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	Limits     struct {
		Sessions          int   `json:"sessions"`
		Instances         int   `json:"instances"`
		MessagesPerMonth  int   `json:"messages_per_month"`
		Webhooks          int   `json:"webhooks"`
		APIKeys           int   `json:"api_keys"`
		RequestsPerMinute int   `json:"requests_per_minute"`
		MediaBytes        int64 `json:"media_bytes"`
	} `json:"limits"`
	Features struct {
		Engines  []string `json:"engines"`
		Webhooks bool     `json:"webhooks"`
		APIKeys  bool     `json:"api_keys"`
	} `json:"features"`
}

// Usage is how much of the plan an account uses.
type Usage struct {
	Sessions          int `json:"sessions"`
	Instances         int `json:"instances"`
	MessagesThisMonth int `json:"messages_this_month"`
	Webhooks          int `json:"webhooks"`
	APIKeys           int `json:"api_keys"`
}

// Profile is the account with its plan and usage (GET /auth/me).
type Profile struct {
	User  *User `json:"user"`
	Plan  *Plan `json:"plan"`
	Usage Usage `json:"usage"`
	// Engines are the engines the account may create sessions with (the
	// server's, narrowed by the plan); DefaultEngine is used when a
	// session is created without one.
	Engines       []string `json:"engines"`
	DefaultEngine string   `json:"default_engine"`
}

// SessionSettings are a session's settings.
type SessionSettings struct {
	AutoReply        bool     `json:"auto_reply"`
	AutoReplyMessage string   `json:"auto_reply_message,omitempty"`
	WebhookEvents    []string `json:"webhook_events"`
	// AutoRejectCalls rejects every call as it rings; AutoRejectMessage
	// is then sent to the caller.
	AutoRejectCalls   bool   `json:"auto_reject_calls,omitempty"`
	AutoRejectMessage string `json:"auto_reject_message,omitempty"`
}

// Session is one WhatsApp account (phone number).
type Session struct {
	ID           string          `json:"id"`
	Name         string          `json:"session_name"`
	Engine       string          `json:"engine"`
	Status       string          `json:"status"`
	StatusReason string          `json:"status_reason,omitempty"`
	WebhookURL   string          `json:"webhook_url,omitempty"`
	Settings     SessionSettings `json:"settings"`
	Phone        string          `json:"phone,omitempty"`
	PushName     string          `json:"push_name,omitempty"`
	DeviceJID    string          `json:"device_jid,omitempty"`
	BannedUntil  *time.Time      `json:"banned_until,omitempty"`
	ConnectedAt  *time.Time      `json:"connected_at,omitempty"`
	// Proxy is the proxy the session uses, its password masked.
	Proxy     *SessionProxy `json:"proxy,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// SessionProxy is a session's proxy as answered: the URL with its
// password masked, and its source (session or default).
type SessionProxy struct {
	URL    string `json:"url"`
	Source string `json:"source"`
}

// Pagination is a list's page block.
type Pagination struct {
	Page  int `json:"page"`
	Limit int `json:"limit"`
	Total int `json:"total"`
	Pages int `json:"pages"`
}

// WorkerStatus is a session's live state from its worker.
type WorkerStatus struct {
	SessionID  string `json:"session_id"`
	Engine     string `json:"engine"`
	State      string `json:"state"`
	Reason     string `json:"reason,omitempty"`
	Phone      string `json:"phone,omitempty"`
	PushName   string `json:"push_name,omitempty"`
	Connection struct {
		Connected bool   `json:"connected"`
		LoggedIn  bool   `json:"logged_in"`
		Paired    bool   `json:"paired"`
		JID       string `json:"jid,omitempty"`
	} `json:"connection"`
	QR *struct {
		Code      string    `json:"code"`
		ExpiresAt time.Time `json:"expires_at"`
	} `json:"qr,omitempty"`
	QueueDepth int       `json:"queue_depth"`
	StartedAt  time.Time `json:"started_at"`
}

// QR is a pairing code: the raw string to draw and a PNG data URL.
type QR struct {
	Code      string    `json:"code"`
	QRImage   string    `json:"qr_image"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PairCode is a code to type on the phone.
type PairCode struct {
	Code         string `json:"code"`
	Instructions string `json:"instructions"`
}

// Instance is a session's worker.
type Instance struct {
	ID        string     `json:"id"`
	SessionID string     `json:"session_id"`
	Status    string     `json:"status"`
	Driver    string     `json:"driver"`
	Address   string     `json:"address,omitempty"`
	Port      int        `json:"port,omitempty"`
	JobID     string     `json:"job_id,omitempty"`
	AllocID   string     `json:"alloc_id,omitempty"`
	Restarts  int        `json:"restarts"`
	LastError string     `json:"last_error,omitempty"`
	StartedAt *time.Time `json:"started_at"`
	StoppedAt *time.Time `json:"stopped_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Media is the media of an image, video, audio, document or sticker:
// by URL or base64 data.
type Media struct {
	URL      string `json:"url,omitempty"`
	Data     []byte `json:"data,omitempty"`
	MIMEType string `json:"mime_type,omitempty"`
	FileName string `json:"file_name,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
}

// Location is a map pin.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Contact is a contact card.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	VCard string `json:"vcard,omitempty"`
}

// SendRequest is a message to send. Recipient takes a number (bare or +),
// number@c.us, …@s.whatsapp.net, …@g.us or …@lid.
type SendRequest struct {
	SessionID   string    `json:"session_id"`
	Recipient   string    `json:"recipient"`
	Message     string    `json:"message,omitempty"`
	MessageType string    `json:"message_type,omitempty"`
	ReplyTo     string    `json:"reply_to,omitempty"`
	Target      string    `json:"target,omitempty"`
	Reaction    string    `json:"reaction,omitempty"`
	MediaURL    string    `json:"media_url,omitempty"`
	Media       *Media    `json:"media,omitempty"`
	Location    *Location `json:"location,omitempty"`
	Contact     *Contact  `json:"contact,omitempty"`
	// Mentions are numbers or user JIDs mentioned in the text or caption;
	// MentionAll mentions every participant of the group sent to.
	Mentions   []string `json:"mentions,omitempty"`
	MentionAll bool     `json:"mention_all,omitempty"`
	// ViewOnce makes an image, video or audio viewable once.
	ViewOnce bool `json:"view_once,omitempty"`
	// ForwardOf is the id of a stored message whose content is sent,
	// marked forwarded (give no Message, MessageType or media with it).
	ForwardOf string `json:"forward_of,omitempty"`
	// LinkPreview is the card under the text's link; NoLinkPreview sends
	// none (link_preview: false). Neither: the gateway makes one from the
	// text's first link when it sends it.
	LinkPreview   *LinkPreview `json:"link_preview,omitempty"`
	NoLinkPreview bool         `json:"-"`
	// Poll is the poll of a message_type "poll"; Votes the answers a
	// "poll_vote" chooses on the poll named by Target.
	Poll  *Poll    `json:"poll,omitempty"`
	Votes []string `json:"votes,omitempty"`
	// SendAt schedules the send (in the future, at most 366 days ahead):
	// the message stays "scheduled" until then; CancelMessage cancels it.
	SendAt *time.Time `json:"send_at,omitempty"`
	// StatusAudience names who sees a status post (Recipient "status"):
	// numbers or user JIDs; none, the account's contacts. StatusStyle is
	// a text status's look.
	StatusAudience []string     `json:"status_audience,omitempty"`
	StatusStyle    *StatusStyle `json:"status_style,omitempty"`
	// IdempotencyKey, when set, is sent as the Idempotency-Key header.
	IdempotencyKey string `json:"-"`
}

// StatusStyle is how a text status looks: colours as #RRGGBB (or
// #AARRGGBB) and a font (system, system_text, fb_script, system_bold,
// morningbreeze_regular, calistoga_regular, exo2_extrabold,
// courierprime_bold).
type StatusStyle struct {
	BackgroundColor string `json:"background_color,omitempty"`
	TextColor       string `json:"text_color,omitempty"`
	Font            string `json:"font,omitempty"`
}

// Poll is a poll's question and answers (2 to 12, each different).
type Poll struct {
	Question        string   `json:"question"`
	Options         []string `json:"options"`
	MultipleAnswers bool     `json:"multiple_answers,omitempty"`
}

// PollTally is a poll with every voter's current vote.
type PollTally struct {
	MessageID       string `json:"message_id"`
	Question        string `json:"question"`
	MultipleAnswers bool   `json:"multiple_answers"`
	Options         []struct {
		Name   string   `json:"name"`
		Votes  int      `json:"votes"`
		Voters []string `json:"voters"`
	} `json:"options"`
	Voters int `json:"voters"`
	Votes  []struct {
		Voter       string    `json:"voter"`
		VoterPhone  string    `json:"voter_phone,omitempty"`
		VoterLID    string    `json:"voter_lid,omitempty"`
		Options     []string  `json:"options"`
		WAMessageID string    `json:"wa_message_id,omitempty"`
		VotedAt     time.Time `json:"voted_at"`
	} `json:"votes"`
}

// LinkPreview is the card shown under a link in a text message.
type LinkPreview struct {
	URL          string `json:"url"`
	Title        string `json:"title,omitempty"`
	Description  string `json:"description,omitempty"`
	ThumbnailURL string `json:"thumbnail_url,omitempty"`
}

// MarshalJSON writes NoLinkPreview as link_preview: false.
func (r SendRequest) MarshalJSON() ([]byte, error) {
	type plain SendRequest
	if !r.NoLinkPreview {
		return json.Marshal(plain(r))
	}
	r.LinkPreview = nil
	return json.Marshal(struct {
		plain
		LinkPreview bool `json:"link_preview"`
	}{plain: plain(r)})
}

// Message is a sent or received message.
type Message struct {
	ID        string `json:"id"`
	SessionID string `json:"session_id"`
	Direction string `json:"direction"`
	Type      string `json:"message_type"`
	Recipient string `json:"recipient"`
	// RecipientLID is the recipient's LID, once sent, when WhatsApp has one.
	RecipientLID string          `json:"recipient_lid,omitempty"`
	Sender       string          `json:"sender,omitempty"`
	SenderPhone  string          `json:"sender_phone,omitempty"`
	SenderLID    string          `json:"sender_lid,omitempty"`
	Chat         string          `json:"chat"`
	IsGroup      bool            `json:"is_group"`
	Body         string          `json:"message"`
	Payload      json.RawMessage `json:"payload,omitempty"`
	ReplyTo      string          `json:"reply_to,omitempty"`
	Status       string          `json:"status"`
	WAMessageID  string          `json:"wa_message_id,omitempty"`
	Error        string          `json:"error,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	SentAt       *time.Time      `json:"sent_at,omitempty"`
	DeliveredAt  *time.Time      `json:"delivered_at,omitempty"`
	ReadAt       *time.Time      `json:"read_at,omitempty"`
	SendAt       *time.Time      `json:"send_at,omitempty"`
	// History marks a message of the account's past brought in by
	// history sync after pairing.
	History bool `json:"history,omitempty"`
}

// MessageFilter selects messages of the log.
type MessageFilter struct {
	ListOptions
	SessionID   string
	Direction   string // inbound or outbound
	Status      string
	Recipient   string
	MessageType string
	From, To    time.Time
}

// Webhook is an endpoint subscribed to events. Secret is set only in the
// answer that creates it (or rotates it).
type Webhook struct {
	ID        string            `json:"id"`
	SessionID string            `json:"session_id,omitempty"`
	URL       string            `json:"url"`
	Events    []string          `json:"events"`
	Headers   map[string]string `json:"headers,omitempty"`
	Active    bool              `json:"active"`
	Secret    string            `json:"secret,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// CreateWebhookRequest adds an endpoint.
type CreateWebhookRequest struct {
	URL       string            `json:"url"`
	Events    []string          `json:"events,omitempty"`
	SessionID string            `json:"session_id,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
}

// APIKey is a key; Key (wsa_…) is set only in the answer that creates it.
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	SessionID  string     `json:"session_id,omitempty"`
	Key        string     `json:"key,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// CreateAPIKeyRequest names a new key: scopes *, read, send; a session binds it.
type CreateAPIKeyRequest struct {
	Name      string     `json:"name,omitempty"`
	Scopes    []string   `json:"scopes,omitempty"`
	SessionID string     `json:"session_id,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// MessageCounts are message counts over a period.
type MessageCounts struct {
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	Read      int `json:"read"`
	Failed    int `json:"failed"`
	Queued    int `json:"queued"`
	Received  int `json:"received"`
	Total     int `json:"total"`
}

// Overview is the account's usage and health.
type Overview struct {
	Sessions struct {
		Total    int            `json:"total"`
		ByStatus map[string]int `json:"by_status"`
	} `json:"sessions"`
	Instances struct {
		Running int `json:"running"`
		Total   int `json:"total"`
	} `json:"instances"`
	Messages struct {
		Today     MessageCounts `json:"today"`
		ThisMonth MessageCounts `json:"this_month"`
		Total     MessageCounts `json:"total"`
	} `json:"messages"`
	Webhooks struct {
		Endpoints   int `json:"endpoints"`
		EventsToday int `json:"events_today"`
	} `json:"webhooks"`
	Plan  *Plan `json:"plan"`
	Usage Usage `json:"usage"`
}

// Health is GET /health.
type Health struct {
	Status string `json:"status"`
	Checks []struct {
		Name      string `json:"name"`
		Status    string `json:"status"`
		LatencyMS int64  `json:"latency_ms"`
		Error     string `json:"error,omitempty"`
	} `json:"checks"`
	UptimeSeconds int    `json:"uptime_seconds"`
	Version       string `json:"version"`
}

// Info is GET /: the service, its version and mode.
type Info struct {
	Service  string              `json:"service"`
	Version  string              `json:"version"`
	Mode     string              `json:"mode"`
	API      string              `json:"api"`
	Engines  []string            `json:"engines"`
	Services []map[string]string `json:"services"`
	Docs     string              `json:"docs"`
}
