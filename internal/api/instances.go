package api

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

type createInstanceRequest struct {
	SessionID string `json:"session_id" desc:"The session to run."`
}

func (s *Server) handleInstanceCreate(w http.ResponseWriter, r *http.Request) error {
	var req createInstanceRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.SessionID == "" {
		return gateway.ValidationError(map[string]string{"session_id": "Give the session to start an instance for."})
	}
	if _, err := uuid.Parse(req.SessionID); err != nil {
		return gateway.ValidationError(map[string]string{"session_id": "The session id must be a UUID."})
	}
	if err := sameSession(r, req.SessionID); err != nil {
		return err
	}
	inst, err := s.svc.StartInstance(r.Context(), who(r).User, req.SessionID)
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, instanceData{*inst})
}

func instancePage(l service.List[*gateway.Instance]) any { return instanceList{l.Items, l.Pagination} }

func oneInstance(_ *http.Request, inst *gateway.Instance) any { return instanceData{*inst} }

// instanceAction is the handler of an instance route whose service call
// takes the caller's whole user (its plan is checked), not only its id.
func (s *Server) instanceAction(act func(ctx context.Context, u *gateway.User, id string) (*gateway.Instance, error)) handler {
	return onID(s, "instance_id", http.StatusOK, func(ctx context.Context, _, id string, _ noBody) (*gateway.Instance, error) {
		return act(ctx, whoIn(ctx).User, id)
	}, oneInstance)
}

// instanceData is the answer of the routes that act on one instance.
type instanceData struct {
	Instance gateway.Instance `json:"instance" desc:"The instance."`
}

type instanceList struct {
	Instances  []*gateway.Instance `json:"instances" desc:"This page of instances."`
	Pagination service.Pagination  `json:"pagination" desc:"Where this page sits in the whole list."`
}
