package api

import (
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

func (s *Server) handleInstanceList(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	list, err := s.svc.ListInstances(r.Context(), who(r).User.ID, boundSession(r), p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, instanceList{list.Items, list.Pagination})
}

func (s *Server) handleInstanceGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "instance_id")
	if err != nil {
		return err
	}
	inst, err := s.instance(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, instanceData{*inst})
}

func (s *Server) handleInstanceStop(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "instance_id")
	if err != nil {
		return err
	}
	inst, err := s.svc.StopInstance(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, instanceData{*inst})
}

func (s *Server) handleInstanceStart(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "instance_id")
	if err != nil {
		return err
	}
	inst, err := s.svc.StartStoppedInstance(r.Context(), who(r).User, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, instanceData{*inst})
}

func (s *Server) handleInstanceRestart(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "instance_id")
	if err != nil {
		return err
	}
	inst, err := s.svc.RestartInstance(r.Context(), who(r).User, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, instanceData{*inst})
}

// instanceData is the answer of the routes that act on one instance.
type instanceData struct {
	Instance gateway.Instance `json:"instance" desc:"The instance."`
}

type instanceList struct {
	Instances  []*gateway.Instance `json:"instances" desc:"This page of instances."`
	Pagination service.Pagination  `json:"pagination" desc:"Where this page sits in the whole list."`
}
