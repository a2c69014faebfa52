package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The session's contacts: the people its account knows, one person's
// details, the block list and the LID <-> phone map.

// contactHandlers are the handlers of contactOperations, by operation id.
func (s *Server) contactHandlers() map[string]handler {
	return map[string]handler{
		"listContacts":   onID(s, "session_id", http.StatusOK, read(s.svc.Contacts), nil),
		"getContact":     s.handleContactGet,
		"listBlocked":    onID(s, "session_id", http.StatusOK, read(s.svc.Blocklist), nil),
		"blockContact":   onItem(s, "contact_id", http.StatusOK, readItem(s.setBlocked(true)), nil),
		"unblockContact": onItem(s, "contact_id", http.StatusOK, readItem(s.setBlocked(false)), nil),
		"getPhoneByLID":  onItem(s, "lid", http.StatusOK, readItem(s.phoneByLID), nil),
		"getLIDByPhone":  onItem(s, "phone", http.StatusOK, readItem(s.lidByPhone), nil),
	}
}

func (s *Server) handleContactGet(w http.ResponseWriter, r *http.Request) error {
	id, contact, err := sessionAnd(r, "contact_id")
	if err != nil {
		return err
	}
	q, err := query(r)
	if err != nil {
		return err
	}
	refresh := q.Get("refresh")
	if refresh != "" && refresh != "true" && refresh != "false" {
		return gateway.ValidationError(map[string]string{"refresh": "Give true or false."})
	}
	res, err := s.svc.Contact(r.Context(), who(r).User.ID, id, contact, refresh == "true")
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

// setBlocked blocks a contact, or unblocks it.
func (s *Server) setBlocked(block bool) func(ctx context.Context, userID, sessionID, contact string) (gateway.Blocklist, error) {
	return func(ctx context.Context, userID, sessionID, contact string) (gateway.Blocklist, error) {
		return s.svc.SetBlocked(ctx, userID, sessionID, contact, block)
	}
}

// phoneByLID is the phone number of a LID (given with or without its
// @lid server).
func (s *Server) phoneByLID(ctx context.Context, userID, sessionID, lid string) (gateway.LIDMapping, error) {
	if !strings.Contains(lid, "@") {
		lid += "@" + gateway.ServerLID
	}
	if !strings.HasSuffix(lid, "@"+gateway.ServerLID) {
		return gateway.LIDMapping{}, gateway.Errorf(gateway.CodeNotFound, "No phone number is known for this LID.")
	}
	return s.svc.LookupLID(ctx, userID, sessionID, lid)
}

// lidByPhone is the LID of a phone number.
func (s *Server) lidByPhone(ctx context.Context, userID, sessionID, phone string) (gateway.LIDMapping, error) {
	if strings.HasSuffix(phone, "@"+gateway.ServerLID) {
		return gateway.LIDMapping{}, gateway.Errorf(gateway.CodeNotFound, "Give a phone number, not a LID.")
	}
	return s.svc.LookupLID(ctx, userID, sessionID, phone)
}
