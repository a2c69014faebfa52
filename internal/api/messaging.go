package api

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

func (s *Server) handleMessageMedia(w http.ResponseWriter, r *http.Request) error {
	f, err := byID(r, "message_id", s.svc.MessageMedia)
	if err != nil {
		return err
	}
	defer f.Body.Close()
	ct := f.MIMEType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	// Received files are served as downloads, never rendered in the
	// API's origin, and never sniffed into something else.
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.FileName}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	if rs, ok := f.Body.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", f.ModTime, rs) // ranges and conditional requests
		return nil
	}
	// From a worker (cluster): streamed as it arrives.
	if f.Size >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	}
	if !f.ModTime.IsZero() {
		w.Header().Set("Last-Modified", f.ModTime.UTC().Format(http.TimeFormat))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, f.Body)
	}
	return nil
}

// decodeForSession decodes into req a body that names the session it acts
// for (*sessionID): a session-bound key's own when left out, refused when
// another. With missing, a body that names none (from a key of the whole
// account) is refused with that sentence.
func (s *Server) decodeForSession(r *http.Request, req any, sessionID *string, missing string) error {
	if err := decode(r, s.cfg.MaxBodyBytes, req); err != nil {
		return err
	}
	sid, err := ownSession(r, *sessionID)
	if err != nil {
		return err
	}
	if *sessionID = sid; sid == "" && missing != "" {
		return gateway.ValidationError(map[string]string{"session_id": missing})
	}
	return nil
}

// readRequest marks received messages read: by the gateway's message ids,
// or by WhatsApp ids in one chat.
type readRequest struct {
	SessionID    string   `json:"session_id" desc:"The session the messages belong to."`
	MessageIDs   []string `json:"message_ids" desc:"Gateway ids of received messages to mark read."`
	Chat         string   `json:"chat" desc:"The chat of wa_message_ids."`
	Sender       string   `json:"sender" desc:"The sender of wa_message_ids, in a group chat."`
	WAMessageIDs []string `json:"wa_message_ids" desc:"WhatsApp ids of messages of chat to mark read."`
}

func (s *Server) handleMessagesRead(w http.ResponseWriter, r *http.Request) error {
	var req readRequest
	if err := s.decodeForSession(r, &req, &req.SessionID, "Give the session the messages belong to."); err != nil {
		return err
	}
	n, err := s.svc.MarkRead(r.Context(), who(r).User.ID, service.MarkReadInput{
		SessionID: req.SessionID, MessageIDs: req.MessageIDs, Chat: req.Chat, Sender: req.Sender, WAMessageIDs: req.WAMessageIDs,
	})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, markedData{n})
}

type checkRequest struct {
	SessionID string   `json:"session_id" desc:"The session to ask WhatsApp through."`
	Phones    []string `json:"phones" desc:"The numbers, with their country code, at most 50."`
}

func (s *Server) handleContactsCheck(w http.ResponseWriter, r *http.Request) error {
	var req checkRequest
	if err := s.decodeForSession(r, &req, &req.SessionID, "Give the session to check through."); err != nil {
		return err
	}
	res, err := s.svc.CheckNumbers(r.Context(), who(r).User.ID, req.SessionID, req.Phones)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, checkData{res})
}

type typingRequest struct {
	Chat string `json:"chat" desc:"The chat to show the indicator in."`
	// Typing defaults to true: the call usually starts the indicator.
	Typing *bool `json:"typing" desc:"true (default) shows it, false clears it."`
	Audio  bool  `json:"audio" desc:"true shows \"recording…\" instead."`
}

func (s *Server) setTyping(ctx context.Context, userID, id string, req typingRequest) (typingData, error) {
	typing := req.Typing == nil || *req.Typing
	if err := s.svc.SetTyping(ctx, userID, id, req.Chat, typing, req.Audio); err != nil {
		return typingData{}, err
	}
	return typingData{req.Chat, typing, req.Audio}, nil
}

type markedData struct {
	Marked int `json:"marked" desc:"How many messages were marked read."`
}

type checkData struct {
	Results []gateway.NumberCheck `json:"results" desc:"One result per number asked, in the order asked."`
}

type typingData struct {
	Chat   string `json:"chat" desc:"The chat the indicator is shown in."`
	Typing bool   `json:"typing" desc:"true: the indicator is on; false: cleared."`
	Audio  bool   `json:"audio" desc:"true: \"recording…\" rather than \"typing…\"."`
}
