package gateway

import (
	"context"
)

// Contacts of the session's account: the people it knows (names from
// their messages, the phone's address book, business names), one person's
// live details, the block list, and the LID <-> phone mapping WhatsApp
// now uses to hide numbers. Declared as account operations, as groups are.

// Where a read of WhatsApp-side data came from.
const (
	SourceLive  = "live"  // asked of WhatsApp through the session now
	SourceStore = "store" // read from what the session has stored
)

// ContactsEngine is the part of AccountEngine about contacts. Errors:
// CodeNotFound for a number not on WhatsApp (or a LID nobody mapped),
// CodeRefused when WhatsApp refuses, CodeUnavailable when not connected.
type ContactsEngine interface {
	// Contacts lists the contacts the account knows, from its store.
	Contacts(ctx context.Context) ([]ContactInfo, error)
	// GetContact asks WhatsApp about one user (a phone or LID JID). The
	// picture URL is fetched unless the picture is still knownPictureID
	// (then PictureURL is "" and PictureID is knownPictureID).
	GetContact(ctx context.Context, jid, knownPictureID string) (*ContactInfo, error)
	// Blocklist is the account's block list (user JIDs), live.
	Blocklist(ctx context.Context) ([]string, error)
	// SetBlocked blocks or unblocks a user and returns the new block list.
	SetBlocked(ctx context.Context, jid string, block bool) ([]string, error)
	// LookupLID maps a phone JID to its LID or a LID to its phone JID,
	// from the store first, then (phone to LID only) from WhatsApp. The
	// answer's Source says which.
	LookupLID(ctx context.Context, jid string) (*LIDMapping, error)
}

// ContactInfo is a WhatsApp user as the account knows them.
type ContactInfo struct {
	JID          string `json:"jid" desc:"The user's JID: …@s.whatsapp.net when the phone is known, …@lid otherwise."`
	Phone        string `json:"phone,omitempty" desc:"The phone number, digits only, when known."`
	LID          string `json:"lid,omitempty" desc:"The user's LID (…@lid), when known."`
	PushName     string `json:"push_name,omitempty" desc:"The name the user set on their own WhatsApp."`
	SavedName    string `json:"saved_name,omitempty" desc:"The name in the account's address book."`
	BusinessName string `json:"business_name,omitempty" desc:"The verified business name, for business accounts."`
	IsBusiness   bool   `json:"is_business" desc:"Whether the user is a WhatsApp Business account."`
	// The fields below come with one contact's details, not in lists.
	About      string `json:"about,omitempty" desc:"The user's about text (details only; empty when hidden by privacy)."`
	PictureID  string `json:"picture_id,omitempty" desc:"The profile picture's id (details only); it changes with the picture."`
	PictureURL string `json:"picture_url,omitempty" desc:"Where to download the profile picture (details only; cached, refreshed when the picture changes)."`
	Blocked    *bool  `json:"blocked,omitempty" desc:"Whether the account blocked the user (details only)."`
}

// LIDMapping is one user's phone number and LID.
type LIDMapping struct {
	Phone  string `json:"phone" desc:"The phone number, digits only."`
	JID    string `json:"jid" desc:"The phone JID (…@s.whatsapp.net)."`
	LID    string `json:"lid" desc:"The LID (…@lid)."`
	Source string `json:"source" desc:"store (the session's LID map) or live (asked of WhatsApp now)."`
}

// ContactListRequest lists the account's contacts.
type ContactListRequest struct{}

// ContactList is the account's contacts, from its store.
type ContactList struct {
	Contacts []ContactInfo `json:"contacts" desc:"The contacts, by JID."`
	Source   string        `json:"source" desc:"store: the contacts the session has stored."`
}

// ContactRequest names one user; KnownPictureID is the picture id the
// caller has a URL for (the gateway's cache).
type ContactRequest struct {
	Contact        string `json:"contact" desc:"The user's JID (taken from the path)."`
	KnownPictureID string `json:"known_picture_id,omitempty" desc:"The picture id the caller has cached."`
}

// ContactDetails is one contact, asked of WhatsApp.
type ContactDetails struct {
	Contact ContactInfo `json:"contact" desc:"The contact."`
	Source  string      `json:"source" desc:"live: asked of WhatsApp now."`
}

// BlockRequest blocks or unblocks a user.
type BlockRequest struct {
	Contact string `json:"contact" desc:"The user's JID (taken from the path)."`
}

// BlocklistRequest reads the block list.
type BlocklistRequest struct{}

// Blocklist is the account's block list.
type Blocklist struct {
	Blocked []string `json:"blocked" desc:"The blocked users' JIDs."`
	Source  string   `json:"source,omitempty" desc:"live: asked of WhatsApp now."`
}

// LIDRequest asks for the other half of a phone or LID JID.
type LIDRequest struct {
	JID string `json:"jid" desc:"A phone JID or a LID."`
}

// Operations on contacts.
var (
	OpContactList = AccountOp[ContactListRequest, ContactList]{Name: "contact.list",
		Call: func(ctx context.Context, e AccountEngine, _ ContactListRequest) (ContactList, error) {
			cs, err := e.Contacts(ctx)
			if cs == nil {
				cs = []ContactInfo{}
			}
			return ContactList{Contacts: cs, Source: SourceStore}, err
		}}
	OpContactGet = AccountOp[ContactRequest, ContactDetails]{Name: "contact.get",
		Call: func(ctx context.Context, e AccountEngine, r ContactRequest) (ContactDetails, error) {
			c, err := e.GetContact(ctx, r.Contact, r.KnownPictureID)
			if err != nil {
				return ContactDetails{}, err
			}
			return ContactDetails{Contact: *c, Source: SourceLive}, nil
		}}
	OpBlocklist = AccountOp[BlocklistRequest, Blocklist]{Name: "contact.blocklist",
		Call: func(ctx context.Context, e AccountEngine, _ BlocklistRequest) (Blocklist, error) {
			l, err := e.Blocklist(ctx)
			return blocklist(l, SourceLive), err
		}}
	OpContactBlock = AccountOp[BlockRequest, Blocklist]{Name: "contact.block", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r BlockRequest) (Blocklist, error) {
			l, err := e.SetBlocked(ctx, r.Contact, true)
			return blocklist(l, ""), err
		},
		Events: func(sid string, r BlockRequest, _ Blocklist) []AccountEvent {
			return []AccountEvent{contactUpdate(sid, r.Contact, ContactChangeBlocked)}
		}}
	OpContactUnblock = AccountOp[BlockRequest, Blocklist]{Name: "contact.unblock", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r BlockRequest) (Blocklist, error) {
			l, err := e.SetBlocked(ctx, r.Contact, false)
			return blocklist(l, ""), err
		},
		Events: func(sid string, r BlockRequest, _ Blocklist) []AccountEvent {
			return []AccountEvent{contactUpdate(sid, r.Contact, ContactChangeUnblocked)}
		}}
	OpLookupLID = AccountOp[LIDRequest, LIDMapping]{Name: "contact.lid",
		Call: func(ctx context.Context, e AccountEngine, r LIDRequest) (LIDMapping, error) {
			return deref(e.LookupLID(ctx, r.JID))
		}}
)

func blocklist(l []string, source string) Blocklist {
	if l == nil {
		l = []string{}
	}
	return Blocklist{Blocked: l, Source: source}
}

func contactUpdate(sessionID, jid, change string) AccountEvent {
	return AccountEvent{Type: EventContactUpdate, Data: ContactUpdateData{SessionID: sessionID, Contact: jid, Change: change}}
}

// EventContactUpdate is the event of a contact that changed: its names,
// about text or picture (seen from WhatsApp), or its blocked state.
const EventContactUpdate = "contact.update"

// What a contact.update event says changed.
const (
	ContactChangePushName     = "push_name"
	ContactChangeSavedName    = "saved_name"
	ContactChangeBusinessName = "business_name"
	ContactChangeAbout        = "about"
	ContactChangePicture      = "picture"
	ContactChangeBlocked      = "blocked"
	ContactChangeUnblocked    = "unblocked"
)

// ContactUpdateData is the data of a contact.update event.
type ContactUpdateData struct {
	SessionID string `json:"session_id" desc:"The session whose contact changed."`
	// Contact is the user's JID (the account's own for its own profile).
	Contact string `json:"contact" desc:"The user's JID (the account's own, for a change of its own profile)."`
	// Change is push_name, saved_name, business_name, about, picture,
	// blocked or unblocked.
	Change string `json:"change" desc:"What changed: push_name, saved_name, business_name, about, picture, blocked or unblocked."`
	// Value is the new name or about text, or the new picture id ("" when
	// removed), when known.
	Value string `json:"value,omitempty" desc:"The new name or about text, or the new picture's id (empty: removed), when known."`
}

// EvContactUpdate is a contact change an engine saw.
type EvContactUpdate struct{ Data ContactUpdateData }

func (EvContactUpdate) engineEvent() {}

// SandboxAccount is one of the sandbox's simulated WhatsApp accounts as
// stored: the sandbox's own JSON (names, about text, picture, privacy,
// block list, presence) and a version each save must name
// (compare-and-set), as SandboxGroup. The store keeps them so that a
// tenant's sandbox sessions see each other's profiles in every process, as
// WhatsApp's servers do.
type SandboxAccount struct {
	Phone   string
	Data    []byte
	Version int64
}
