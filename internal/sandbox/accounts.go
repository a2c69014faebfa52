package sandbox

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Accounts in the sandbox. Each number a tenant's sandbox session pairs as
// is a simulated WhatsApp account, registered when the session connects
// and kept in an AccountBook (the product's database in the gateway, so
// every process sees it, as WhatsApp's servers keep a user's profile): its
// push name, about text, picture, block list. A session's contacts are the
// tenant's other sandbox accounts and the people in its phone's address
// book, which a phone pushes to a new device as WhatsApp's app state does
// (whatsmeow keeps them as the contacts' full names): the sandbox's is the
// people of the account's seeded history (history.go), saved under their
// full names, known by the first names they message with (push names).
// Any other number is on WhatsApp (except the test numbers ending in 0000)
// but unknown to it.
//
// Test numbers for contacts:
//
//	any number ending in 0000   not on WhatsApp: not found
//	any number ending in 0200   a WhatsApp Business account (a session
//	                            paired as one is a business)

// AccountBook keeps the sandbox's accounts of each tenant.
type AccountBook interface {
	// SandboxAccounts returns tenant's accounts.
	SandboxAccounts(ctx context.Context, tenant string) ([]gateway.SandboxAccount, error)
	// SaveSandboxAccount creates a (Version 0) or replaces it if its stored
	// version is still a.Version; CodeConflict otherwise.
	SaveSandboxAccount(ctx context.Context, tenant string, a gateway.SandboxAccount) error
}

// MemAccounts is an AccountBook in memory, for one process.
type MemAccounts struct {
	book memBook[gateway.SandboxAccount] // by phone
}

var _ AccountBook = (*MemAccounts)(nil)

// NewMemAccounts returns an empty in-memory AccountBook.
func NewMemAccounts() *MemAccounts {
	return &MemAccounts{book: newMemBook("account", func(a *gateway.SandboxAccount) (string, *[]byte, *int64) {
		return a.Phone, &a.Data, &a.Version
	})}
}

// SandboxAccounts returns tenant's accounts, by phone.
func (m *MemAccounts) SandboxAccounts(_ context.Context, tenant string) ([]gateway.SandboxAccount, error) {
	return m.book.list(tenant), nil
}

// SaveSandboxAccount stores a if its version is the stored one.
func (m *MemAccounts) SaveSandboxAccount(_ context.Context, tenant string, a gateway.SandboxAccount) error {
	return m.book.save(tenant, a)
}

// IsBusiness reports whether phone is a sandbox test number of a WhatsApp
// Business account (it ends in 0200).
func IsBusiness(phone string) bool { return strings.HasSuffix(phone, "0200") }

// sbPicture is a profile picture: its id and the JPEG itself.
type sbPicture struct {
	ID   string `json:"id"`
	JPEG []byte `json:"jpeg"`
}

// sbAccount is a sandbox account as the book keeps it.
type sbAccount struct {
	Phone    string     `json:"phone"`
	LID      string     `json:"lid"`
	PushName string     `json:"push_name"`
	About    string     `json:"about"`
	Picture  *sbPicture `json:"picture,omitempty"`
	// Blocked are the phones the account blocked.
	Blocked []string                 `json:"blocked,omitempty"`
	Privacy *gateway.PrivacySettings `json:"privacy,omitempty"`
	// Presence is available or unavailable; LastSeen when it last went
	// unavailable; Subscribers the phones subscribed to its presence.
	Presence     string    `json:"presence,omitempty"`
	LastSeen     time.Time `json:"last_seen,omitempty"`
	Subscribers  []string  `json:"subscribers,omitempty"`
	RegisteredAt time.Time `json:"registered_at"`
	versioned
}

func (a *sbAccount) blocks(phone string) bool { return slices.Contains(a.Blocked, phone) }

// newAccount is a fresh account for phone, as pairing registers it.
func newAccount(phone, pushName string, now time.Time) *sbAccount {
	return &sbAccount{Phone: phone, LID: derivedLID(phone), PushName: pushName, About: "Hey there! I am using the WhatsApp sandbox.",
		RegisteredAt: now.UTC().Truncate(time.Second)}
}

// businessName is the verified name of a sandbox business account.
func businessName(phone string) string {
	last := phone
	if len(last) > 4 {
		last = last[len(last)-4:]
	}
	return "Sandbox Business " + last
}

// contactOf is the account as another account sees it in its contacts.
func (a *sbAccount) contactOf() gateway.ContactInfo {
	c := gateway.ContactInfo{JID: a.Phone + "@" + gateway.ServerUser, Phone: a.Phone, LID: a.LID, PushName: a.PushName, IsBusiness: IsBusiness(a.Phone)}
	if c.IsBusiness {
		c.BusinessName = businessName(a.Phone)
	}
	return c
}

// accounts reads the tenant's accounts from the book, by phone.
func (e *Engine) accounts(ctx context.Context) (map[string]*sbAccount, error) {
	recs, err := e.opts.Accounts.SandboxAccounts(ctx, e.cfg.UserID)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The sandbox's accounts are unavailable.")
	}
	out := make(map[string]*sbAccount, len(recs))
	for _, r := range recs {
		var a sbAccount
		if err := json.Unmarshal(r.Data, &a); err != nil {
			return nil, fmt.Errorf("sandbox account %s: %w", r.Phone, err)
		}
		a.readAt(r.Version)
		out[r.Phone] = &a
	}
	return out, nil
}

func (e *Engine) saveAccount(ctx context.Context, a *sbAccount) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode sandbox account: %w", err)
	}
	return e.opts.Accounts.SaveSandboxAccount(ctx, e.cfg.UserID, gateway.SandboxAccount{Phone: a.Phone, Data: b, Version: a.version})
}

// registerLocked makes sure the account of the number the engine is
// online as exists, and takes its push name from it (a name set earlier
// survives a restart). It runs when the engine goes online, before
// EvConnected, so a connected session is always a registered account.
func (e *Engine) registerLocked() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.hctx), 10*time.Second)
	defer cancel()
	for range 3 {
		as, err := e.accounts(ctx)
		if err != nil {
			e.log.Warn("sandbox account", "error", err)
			return
		}
		if a, ok := as[e.phone]; ok {
			if a.PushName != "" {
				e.pushName = a.PushName
			}
			e.blocked = blockedSet(a)
			return
		}
		err = e.saveAccount(ctx, newAccount(e.phone, e.pushName, time.Now()))
		if !gateway.IsCode(err, gateway.CodeConflict) {
			if err != nil {
				e.log.Warn("sandbox account", "error", err)
			}
			return
		}
	}
}

// myAccount returns the account's own record (a fresh one if it was never
// registered) and the tenant's accounts.
func (e *Engine) myAccount(ctx context.Context, me string) (*sbAccount, map[string]*sbAccount, error) {
	as, err := e.accounts(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, ok := as[me]
	if !ok {
		e.mu.Lock()
		name := e.pushName
		e.unlock()
		a = newAccount(me, name, time.Now())
	}
	return a, as, nil
}

// connectedAccount is the connected account's number and record, and the
// tenant's accounts by number; unavailable while not connected.
func (e *Engine) connectedAccount(ctx context.Context) (string, *sbAccount, map[string]*sbAccount, error) {
	me, err := e.me()
	if err != nil {
		return "", nil, nil, err
	}
	a, as, err := e.myAccount(ctx, me)
	return me, a, as, err
}

// connectedAccountAndUser is connectedAccount and the phone of user jid.
func (e *Engine) connectedAccountAndUser(ctx context.Context, jid string) (me string, mine *sbAccount, as map[string]*sbAccount, phone string, err error) {
	if me, mine, as, err = e.connectedAccount(ctx); err != nil {
		return "", nil, nil, "", err
	}
	if phone, err = userPhone(jid, as); err != nil {
		return "", nil, nil, "", err
	}
	return me, mine, as, phone, nil
}

// changeAccount applies change to the account's own record and saves it,
// reading it again and retrying when another writer changed it meanwhile.
func (e *Engine) changeAccount(ctx context.Context, me string, change func(a *sbAccount) error) (*sbAccount, error) {
	return retryChange("account", func() (*sbAccount, error) {
		a, _, err := e.myAccount(ctx, me)
		return a, err
	}, change, func(a *sbAccount) error { return e.saveAccount(ctx, a) })
}

// userPhone parses a user JID (a phone JID, or a LID known among the
// tenant's accounts) to its phone. A number not on WhatsApp, or a LID
// nobody mapped, is not found.
func userPhone(jid string, as map[string]*sbAccount) (string, error) {
	r, err := gateway.ParseRecipient(jid)
	switch {
	case err != nil || r.IsGroup():
		return "", gateway.NotFound("Contact")
	case r.Server == gateway.ServerLID:
		for _, a := range as {
			if a.LID == r.JID {
				return a.Phone, nil
			}
		}
		return "", gateway.Errorf(gateway.CodeNotFound, "No phone number is known for this LID.")
	case NotOnWhatsApp(r.Phone()):
		return "", gateway.Errorf(gateway.CodeNotFound, "This number is not on WhatsApp.")
	}
	return r.Phone(), nil
}

// savedContact is one entry of a phone's address book.
type savedContact struct {
	name     string // as the account holder saved it
	pushName string // as they call themselves (in their messages)
}

// historySavedNames are the full names the seeded history's people
// (historyNames) are saved under.
var historySavedNames = []string{"Amal Haddad", "Ben Carter", "Chiara Rossi", "Dmitri Volkov", "Esi Mensah", "Farid Karimi"}

// addressBook is the address book of the account phone: its seeded
// history's people by phone. It derives from the number, as the history
// does, so the same number has the same book after pairing again.
func addressBook(phone string) map[string]savedContact {
	book := make(map[string]savedContact, len(historyNames))
	for k, first := range historyNames {
		if p := historyContact(phone, k); p != phone {
			book[p] = savedContact{name: historySavedNames[k], pushName: first}
		}
	}
	return book
}

// knownOnly is a user outside the tenant's sandbox, known by number and,
// when in the address book, by its names.
func knownOnly(phone string, book map[string]savedContact) gateway.ContactInfo {
	c := gateway.ContactInfo{JID: phone + "@" + gateway.ServerUser, Phone: phone, LID: derivedLID(phone), IsBusiness: IsBusiness(phone)}
	if c.IsBusiness {
		c.BusinessName = businessName(phone)
	}
	if s, ok := book[phone]; ok {
		c.SavedName, c.PushName = s.name, s.pushName
	}
	return c
}

// Contacts lists the tenant's other sandbox accounts and the people in
// the account's address book, with the names it saved them under.
func (e *Engine) Contacts(ctx context.Context) ([]gateway.ContactInfo, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	as, err := e.accounts(ctx)
	if err != nil {
		return nil, err
	}
	book := addressBook(me)
	out := []gateway.ContactInfo{}
	for _, a := range as {
		if a.Phone != me {
			c := a.contactOf()
			c.SavedName = book[a.Phone].name
			out = append(out, c)
		}
	}
	for p := range book {
		if _, ok := as[p]; !ok {
			out = append(out, knownOnly(p, book))
		}
	}
	slices.SortFunc(out, func(a, b gateway.ContactInfo) int { return strings.Compare(a.JID, b.JID) })
	return out, nil
}

// GetContact returns one user's details. The about text and picture of
// an account that blocked this one are hidden, as WhatsApp hides them.
func (e *Engine) GetContact(ctx context.Context, jid, knownPictureID string) (*gateway.ContactInfo, error) {
	me, mine, as, phone, err := e.connectedAccountAndUser(ctx, jid)
	if err != nil {
		return nil, err
	}
	blocked := mine.blocks(phone)
	book := addressBook(me)
	a, ok := as[phone]
	if !ok {
		// On WhatsApp, outside the tenant's sandbox: known by number (and
		// by name when in the address book).
		c := knownOnly(phone, book)
		c.Blocked = &blocked
		return &c, nil
	}
	c := a.contactOf()
	c.SavedName = book[phone].name
	c.Blocked = &blocked
	if !a.blocks(me) {
		if a.privacy().Status != "none" {
			c.About = a.About
		}
		if a.Picture != nil && a.privacy().Profile != "none" {
			c.PictureID = a.Picture.ID
			if a.Picture.ID != knownPictureID {
				c.PictureURL = pictureURL(a.Picture)
			}
		}
	}
	return &c, nil
}

// pictureURL is a picture as a data: URL; the sandbox has no media server.
func pictureURL(p *sbPicture) string {
	return "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(p.JPEG)
}

// Blocklist is the account's block list.
func (e *Engine) Blocklist(ctx context.Context) ([]string, error) {
	_, a, _, err := e.connectedAccount(ctx)
	if err != nil {
		return nil, err
	}
	return blockedJIDs(a), nil
}

func blockedJIDs(a *sbAccount) []string {
	out := make([]string, 0, len(a.Blocked))
	for _, p := range a.Blocked {
		out = append(out, p+"@"+gateway.ServerUser)
	}
	return out
}

// SetBlocked blocks or unblocks a user and returns the new block list.
func (e *Engine) SetBlocked(ctx context.Context, jid string, block bool) ([]string, error) {
	me, _, _, phone, err := e.connectedAccountAndUser(ctx, jid)
	if err != nil {
		return nil, err
	}
	if phone == me {
		return nil, gateway.Refused("an account cannot block itself")
	}
	a, err := e.changeAccount(ctx, me, func(a *sbAccount) error {
		i := slices.Index(a.Blocked, phone)
		switch {
		case block && i < 0:
			a.Blocked = append(a.Blocked, phone)
			slices.Sort(a.Blocked)
		case !block && i >= 0:
			a.Blocked = slices.Delete(a.Blocked, i, i+1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.blocked = blockedSet(a)
	e.unlock()
	return blockedJIDs(a), nil
}

func blockedSet(a *sbAccount) map[string]bool {
	m := make(map[string]bool, len(a.Blocked))
	for _, p := range a.Blocked {
		m[p] = true
	}
	return m
}

// LookupLID maps a phone JID to its LID, or a LID to its phone JID. The
// tenant's accounts are the store; any other number on WhatsApp has its
// LID answered as WhatsApp's servers would (live).
func (e *Engine) LookupLID(ctx context.Context, jid string) (*gateway.LIDMapping, error) {
	_, _, as, phone, err := e.connectedAccountAndUser(ctx, jid)
	if err != nil {
		return nil, err
	}
	m := &gateway.LIDMapping{Phone: phone, JID: phone + "@" + gateway.ServerUser, LID: derivedLID(phone), Source: gateway.SourceLive}
	if _, ok := as[phone]; ok {
		m.Source = gateway.SourceStore
	}
	return m, nil
}
