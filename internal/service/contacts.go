package service

import (
	"context"
	"encoding/json"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// pictureCacheTTL is how long a contact's profile picture URL is kept.
// Within it, a read asks WhatsApp whether the picture changed (its id
// comes with the user query) and fetches a new URL only when it did;
// past it, the URL is fetched again, since WhatsApp's picture URLs expire.
const pictureCacheTTL = 24 * time.Hour

// cachedPicture is a contact's picture URL as the cache keeps it.
type cachedPicture struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

func pictureKey(userID, sessionID, jid string) string {
	return "contact-picture:" + userID + ":" + sessionID + ":" + jid
}

// contactJID parses a user (a phone number, …@s.whatsapp.net, …@c.us or
// …@lid); a group or anything else is a contact that does not exist.
func contactJID(s string) (string, error) {
	r, err := gateway.ParseRecipient(s)
	if err != nil || r.IsGroup() {
		return "", gateway.NotFound("Contact")
	}
	return r.JID, nil
}

// Contacts lists the contacts the session's account knows, from its store.
func (s *Service) Contacts(ctx context.Context, userID, sessionID string) (gateway.ContactList, error) {
	return runAccount(ctx, s, userID, sessionID, gateway.OpContactList, gateway.ContactListRequest{})
}

// Contact asks WhatsApp about one user. The picture URL comes from the
// cache while the picture is unchanged (refresh skips the cache).
func (s *Service) Contact(ctx context.Context, userID, sessionID, contact string, refresh bool) (gateway.ContactDetails, error) {
	jid, err := contactJID(contact)
	if err != nil {
		return gateway.ContactDetails{}, err
	}
	key := pictureKey(userID, sessionID, jid)
	var known cachedPicture
	if !refresh && s.cache != nil {
		if b, ok, err := s.cache.Get(ctx, key); err == nil && ok {
			_ = json.Unmarshal(b, &known)
		}
	}
	res, err := runAccount(ctx, s, userID, sessionID, gateway.OpContactGet, gateway.ContactRequest{Contact: jid, KnownPictureID: known.ID})
	if err != nil {
		return res, err
	}
	c := &res.Contact
	switch {
	case c.PictureID == "":
		if known.ID != "" {
			_ = s.cache.Delete(ctx, key)
		}
	case c.PictureURL == "" && c.PictureID == known.ID:
		c.PictureURL = known.URL // unchanged: the cached URL
	case c.PictureURL != "" && s.cache != nil:
		if b, err := json.Marshal(cachedPicture{ID: c.PictureID, URL: c.PictureURL}); err == nil {
			if err := s.cache.Set(ctx, key, b, pictureCacheTTL); err != nil {
				s.log.Warn("cache contact picture", "session_id", sessionID, "error", err)
			}
		}
	}
	return res, nil
}

// Blocklist is the account's block list, live.
func (s *Service) Blocklist(ctx context.Context, userID, sessionID string) (gateway.Blocklist, error) {
	return runAccount(ctx, s, userID, sessionID, gateway.OpBlocklist, gateway.BlocklistRequest{})
}

// SetBlocked blocks or unblocks a user and answers the new block list.
func (s *Service) SetBlocked(ctx context.Context, userID, sessionID, contact string, block bool) (gateway.Blocklist, error) {
	jid, err := contactJID(contact)
	if err != nil {
		return gateway.Blocklist{}, err
	}
	op := gateway.OpContactUnblock
	if block {
		op = gateway.OpContactBlock
	}
	return runAccount(ctx, s, userID, sessionID, op, gateway.BlockRequest{Contact: jid})
}

// LookupLID answers the LID of a phone number, or the phone number of a LID.
func (s *Service) LookupLID(ctx context.Context, userID, sessionID, jid string) (gateway.LIDMapping, error) {
	j, err := contactJID(jid)
	if err != nil {
		return gateway.LIDMapping{}, err
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpLookupLID, gateway.LIDRequest{JID: j})
}
