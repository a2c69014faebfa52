// Package vaulttest is a protocol-faithful fake of the Vault (and OpenBao)
// HTTP endpoints the gateway uses: KV v2 read and write with versions,
// AppRole login, token lookup-self and renew-self, with token checks and
// failure injection.
package vaulttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake Vault.
type Server struct {
	*httptest.Server

	// Mount is the KV v2 mount (default "secret").
	Mount string
	// RoleID and SecretID are the AppRole credentials accepted.
	RoleID, SecretID string
	// TokenTTL is the lease of tokens issued by login (default 1h).
	TokenTTL time.Duration

	mu       sync.Mutex
	policies map[string]string
	mounts   map[string]bool
	tokens   map[string]bool
	secrets  map[string][]version // by path, index = version-1
	failN    int
	logins   int
	renewals int
	reads    int
	next     int
}

type version struct {
	data      map[string]any
	created   time.Time
	deleted   time.Time // soft-deleted then (zero: not)
	destroyed bool
}

// meta is the version's metadata as KV v2 answers it.
func (v version) meta(n int) map[string]any {
	deleted := ""
	if !v.deleted.IsZero() {
		deleted = v.deleted.UTC().Format(time.RFC3339Nano)
	}
	return map[string]any{"created_time": v.created.UTC().Format(time.RFC3339Nano), "custom_metadata": nil,
		"deletion_time": deleted, "destroyed": v.destroyed, "version": n}
}

// New starts a fake that accepts rootToken; it is closed with the test.
func New(t interface{ Cleanup(func()) }, rootToken string) *Server {
	s := &Server{Mount: "secret", TokenTTL: time.Hour, tokens: map[string]bool{rootToken: true}, secrets: map[string][]version{},
		policies: map[string]string{}, mounts: map[string]bool{"secret": true}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Put writes a new version of path with the given creation time.
func (s *Server) Put(path string, data map[string]any, created time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[path] = append(s.secrets[path], version{data: data, created: created})
	return len(s.secrets[path])
}

// Policy returns a stored ACL policy's text.
func (s *Server) Policy(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policies[name]
}

// Latest returns the newest version of a secret's data, or nil.
func (s *Server) Latest(path string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.secrets[path]; len(v) > 0 {
		return v[len(v)-1].data
	}
	return nil
}

// DeleteVersion soft-deletes version v of a secret, as `kv delete
// -versions=v` does: its data reads as null until undeleted.
func (s *Server) DeleteVersion(path string, v int, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if vs := s.secrets[path]; v >= 1 && v <= len(vs) {
		vs[v-1].deleted = at
	}
}

// DestroyVersion destroys version v of a secret for good.
func (s *Server) DestroyVersion(path string, v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if vs := s.secrets[path]; v >= 1 && v <= len(vs) {
		vs[v-1].destroyed, vs[v-1].data = true, nil
	}
}

// FailNext makes the next n requests answer 500.
func (s *Server) FailNext(n int) { s.mu.Lock(); s.failN = n; s.mu.Unlock() }

// Revoke forgets a token.
func (s *Server) Revoke(token string) { s.mu.Lock(); delete(s.tokens, token); s.mu.Unlock() }

// Counts returns how many logins, renewals and KV reads were served.
func (s *Server) Counts() (logins, renewals, reads int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins, s.renewals, s.reads
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.failN > 0 {
		s.failN--
		s.mu.Unlock()
		writeErr(w, http.StatusInternalServerError, "internal error")
		return
	}
	s.mu.Unlock()
	p := strings.TrimPrefix(r.URL.Path, "/v1/")
	if p == "sys/health" {
		writeJSON(w, map[string]any{"initialized": true, "sealed": false, "standby": false})
		return
	}
	if p == "auth/approle/login" && (r.Method == http.MethodPut || r.Method == http.MethodPost) {
		s.login(w, r)
		return
	}
	s.mu.Lock()
	ok := s.tokens[r.Header.Get("X-Vault-Token")]
	s.mu.Unlock()
	if !ok {
		writeErr(w, http.StatusForbidden, "permission denied")
		return
	}
	switch {
	case p == "auth/token/lookup-self" && r.Method == http.MethodGet:
		writeJSON(w, map[string]any{"data": map[string]any{"id": r.Header.Get("X-Vault-Token"), "renewable": true,
			"ttl": int(s.TokenTTL.Seconds()), "policies": []string{"default", "whatsapp-gateway"}, "type": "service"}})
	case p == "auth/token/renew-self" && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		s.mu.Lock()
		s.renewals++
		s.mu.Unlock()
		writeJSON(w, map[string]any{"auth": map[string]any{"client_token": r.Header.Get("X-Vault-Token"), "renewable": true,
			"lease_duration": int(s.TokenTTL.Seconds()), "policies": []string{"default"}}})
	case strings.HasPrefix(p, "sys/mounts/") && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		name := strings.TrimPrefix(p, "sys/mounts/")
		s.mu.Lock()
		exists := s.mounts[name]
		s.mounts[name] = true
		s.mu.Unlock()
		if exists {
			writeErr(w, http.StatusBadRequest, "path is already in use at "+name+"/")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(p, "sys/policies/acl/") && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		var in struct {
			Policy string `json:"policy"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Policy == "" {
			writeErr(w, http.StatusBadRequest, "policy is empty or not JSON")
			return
		}
		s.mu.Lock()
		s.policies[strings.TrimPrefix(p, "sys/policies/acl/")] = in.Policy
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(p, s.Mount+"/data/"):
		s.kv(w, r, strings.TrimPrefix(p, s.Mount+"/data/"))
	case strings.HasPrefix(p, s.Mount+"/metadata/") && r.Method == http.MethodGet:
		s.metadata(w, strings.TrimPrefix(p, s.Mount+"/metadata/"))
	default:
		writeErr(w, http.StatusNotFound, "")
	}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RoleID   string `json:"role_id"`
		SecretID string `json:"secret_id"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	if s.RoleID == "" || in.RoleID != s.RoleID || in.SecretID != s.SecretID {
		writeErr(w, http.StatusBadRequest, "invalid role or secret ID")
		return
	}
	s.mu.Lock()
	s.next++
	s.logins++
	tok := fmt.Sprintf("hvs.fake-%d", s.next)
	s.tokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, map[string]any{"auth": map[string]any{"client_token": tok, "accessor": "acc", "policies": []string{"default", "whatsapp-gateway"},
		"token_policies": []string{"default", "whatsapp-gateway"}, "metadata": map[string]string{"role_name": "whatsapp-gateway"},
		"lease_duration": int(s.TokenTTL.Seconds()), "renewable": true, "token_type": "service", "orphan": true}})
}

func (s *Server) kv(w http.ResponseWriter, r *http.Request, path string) {
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		s.reads++
		versions := s.secrets[path]
		s.mu.Unlock()
		if len(versions) == 0 {
			writeJSON404(w)
			return
		}
		n := len(versions)
		if v := r.URL.Query().Get("version"); v != "" {
			n, _ = strconv.Atoi(v)
			if n < 1 || n > len(versions) {
				writeJSON404(w)
				return
			}
		}
		ver := versions[n-1]
		body := map[string]any{"request_id": "r", "lease_id": "", "renewable": false, "lease_duration": 0,
			"data": map[string]any{"data": ver.data, "metadata": ver.meta(n)}, "wrap_info": nil, "warnings": nil, "auth": nil}
		if ver.destroyed || (!ver.deleted.IsZero() && !ver.deleted.After(time.Now())) {
			// KV v2 answers a deleted or destroyed version with a 404 that
			// still carries its metadata, and null data.
			body["data"] = map[string]any{"data": nil, "metadata": ver.meta(n)}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(body)
			return
		}
		writeJSON(w, body)
	case http.MethodPut, http.MethodPost:
		var in struct {
			Data map[string]any `json:"data"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeErr(w, http.StatusBadRequest, err.Error())
			return
		}
		n := s.Put(path, in.Data, time.Now())
		writeJSON(w, map[string]any{"data": map[string]any{"created_time": time.Now().UTC().Format(time.RFC3339Nano), "deletion_time": "", "destroyed": false, "version": n}})
	default:
		writeErr(w, http.StatusMethodNotAllowed, "")
	}
}

func (s *Server) metadata(w http.ResponseWriter, path string) {
	s.mu.Lock()
	s.reads++
	versions := slices.Clone(s.secrets[path])
	s.mu.Unlock()
	if len(versions) == 0 {
		writeJSON404(w)
		return
	}
	out := map[string]any{}
	for i, v := range versions {
		m := v.meta(i + 1)
		delete(m, "custom_metadata")
		delete(m, "version")
		out[strconv.Itoa(i+1)] = m
	}
	writeJSON(w, map[string]any{"data": map[string]any{
		"cas_required": false, "created_time": versions[0].created.UTC().Format(time.RFC3339Nano),
		"current_version": len(versions), "custom_metadata": nil, "delete_version_after": "0s", "max_versions": 0,
		"oldest_version": 0, "updated_time": versions[len(versions)-1].created.UTC().Format(time.RFC3339Nano), "versions": out}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSON404(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"errors":[]}`))
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	errs := []string{}
	if msg != "" {
		errs = append(errs, "1 error occurred:\n\t* "+msg+"\n\n")
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": errs})
}
