package api

import (
	"net/http"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The session's contacts: the people its account knows, one person's
// details, the block list and the LID <-> phone map.

// contactHandlers are the handlers of contactOperations, by operation id.
func (s *Server) contactHandlers() map[string]handler {
	return map[string]handler{
		"listContacts":   s.handleContactList,
		"getContact":     s.handleContactGet,
		"listBlocked":    s.handleBlocklist,
		"blockContact":   s.handleBlock,
		"unblockContact": s.handleUnblock,
		"getPhoneByLID":  s.handlePhoneByLID,
		"getLIDByPhone":  s.handleLIDByPhone,
	}
}

// sessionAndParam reads the session_id path parameter and a text one.
func sessionAndParam(r *http.Request, name string) (string, string, error) {
	id, err := pathID(r, "session_id")
	if err != nil {
		return "", "", err
	}
	v, err := pathText(r, name)
	if err != nil {
		return "", "", err
	}
	return id, v, nil
}

func (s *Server) handleContactList(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	res, err := s.svc.Contacts(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handleContactGet(w http.ResponseWriter, r *http.Request) error {
	id, contact, err := sessionAndParam(r, "contact_id")
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

func (s *Server) handleBlocklist(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	res, err := s.svc.Blocklist(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handleBlock(w http.ResponseWriter, r *http.Request) error {
	return s.setBlocked(w, r, true)
}

func (s *Server) handleUnblock(w http.ResponseWriter, r *http.Request) error {
	return s.setBlocked(w, r, false)
}

func (s *Server) setBlocked(w http.ResponseWriter, r *http.Request, block bool) error {
	id, contact, err := sessionAndParam(r, "contact_id")
	if err != nil {
		return err
	}
	res, err := s.svc.SetBlocked(r.Context(), who(r).User.ID, id, contact, block)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handlePhoneByLID(w http.ResponseWriter, r *http.Request) error {
	id, lid, err := sessionAndParam(r, "lid")
	if err != nil {
		return err
	}
	if !strings.Contains(lid, "@") {
		lid += "@" + gateway.ServerLID
	}
	if !strings.HasSuffix(lid, "@"+gateway.ServerLID) {
		return gateway.Errorf(gateway.CodeNotFound, "No phone number is known for this LID.")
	}
	res, err := s.svc.LookupLID(r.Context(), who(r).User.ID, id, lid)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handleLIDByPhone(w http.ResponseWriter, r *http.Request) error {
	id, phone, err := sessionAndParam(r, "phone")
	if err != nil {
		return err
	}
	if strings.HasSuffix(phone, "@"+gateway.ServerLID) {
		return gateway.Errorf(gateway.CodeNotFound, "Give a phone number, not a LID.")
	}
	res, err := s.svc.LookupLID(r.Context(), who(r).User.ID, id, phone)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}
