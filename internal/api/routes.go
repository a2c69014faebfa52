package api

import (
	"fmt"
	"maps"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// Every route of the API, the service routes (/, /health…) included, is
// registered from operations(), the table that documents it: the method,
// the path, the scope an API key needs and what a session-bound key may do
// there are written once, and the router, the checks and the OpenAPI
// document all read them from there. Only the document itself, its page
// and /metrics are mounted by their owners (mountedElsewhere).

// bound says what an API key bound to one session may do on a route. The
// zero value refuses it, so a route added without thinking about bound keys
// is closed to them rather than open to every session.
type bound int

const (
	// boundDenied: the route acts on the whole tenant (new sessions, new
	// keys, billing); a bound key is refused with 403.
	boundDenied bound = iota
	// boundPath: the resource named by the path's ids (session_id,
	// instance_id, webhook_id, message_id) must belong to the key's session;
	// another session's answers 404, as another tenant's would.
	boundPath
	// boundHandler: the handler confines the request to the key's session
	// (a session_id in the body, a list filtered to the session).
	boundHandler
	// boundOpen: nothing on the route belongs to a session (plans, the
	// account's own profile).
	boundOpen
)

// String is how the document names the policy (x-session-bound-key).
func (b bound) String() string {
	switch b {
	case boundPath, boundHandler:
		return "own session only"
	case boundOpen:
		return "allowed"
	}
	return "refused"
}

// handlers are the handlers of every operation, by operation id.
func (s *Server) handlers() map[string]handler {
	out := map[string]handler{
		"getServiceInfo":    s.handleRoot,
		"getHealth":         s.handleHealth,
		"getHealthDatabase": s.handleHealthDatabase,
		"getHealthLive":     s.handleHealthLive,
		"getHealthReady":    s.handleHealthReady,

		"register":        s.handleRegister,
		"login":           s.handleLogin,
		"verifyEmail":     s.handleVerifyEmail,
		"verifyEmailLink": s.handleVerifyEmail,
		"forgotPassword":  s.handleForgotPassword,
		"resetPassword":   s.handleResetPassword,

		"adminListTenants":     s.handleAdminTenants,
		"adminGetTenant":       onID(s, "user_id", http.StatusOK, read(anyCaller(s.svc.AdminTenant)), oneTenant),
		"adminTenantStatement": s.handleAdminTenantStatement,
		"adminChangePlan":      s.handleAdminChangePlan,
		"adminSuspendTenant":   tenantState[suspendRequest](s, s.svc.AdminSuspend),
		"adminResumeTenant":    tenantState[resumeRequest](s, s.svc.AdminResume),
		"adminStats":           s.handleAdminStats,
		"adminSearchSessions":  s.handleAdminSessions,
		"adminAudit":           s.handleAdminAudit,
		"adminListPlans":       s.handlePlanList,
		"adminCreatePlan":      s.handleAdminPlanCreate,
		"adminGetPlan":         s.handlePlanGet,
		"adminUpdatePlan":      s.handleAdminPlanUpdate,
		"adminDeletePlan":      s.handleAdminPlanDelete,

		"getMe":                    s.handleMe,
		"requestEmailVerification": s.handleRequestVerification,
		"changePassword":           s.handleChangePassword,

		"createSession":      s.handleSessionCreate,
		"listSessions":       s.handleSessionList,
		"getSession":         onID(s, "session_id", http.StatusOK, read(s.session), sessionAnswer),
		"updateSession":      onID(s, "session_id", http.StatusOK, s.updateSession, oneSession),
		"deleteSession":      onID(s, "session_id", http.StatusOK, read(s.svc.DeleteSession), sessionGone),
		"getSessionStatus":   onID(s, "session_id", http.StatusOK, read(s.sessionStatus), statusAnswer),
		"getSessionQR":       s.handleSessionQR,
		"requestPairCode":    onID(s, "session_id", http.StatusOK, s.pairCode, nil),
		"logoutSession":      onID(s, "session_id", http.StatusOK, read(s.svc.LogoutSession), oneSession),
		"scanSandboxSession": s.handleSessionScan,
		"setTyping":          onID(s, "session_id", http.StatusOK, s.setTyping, nil),

		"createInstance":  s.handleInstanceCreate,
		"listInstances":   boundList(s.svc.ListInstances, instancePage),
		"getInstance":     onID(s, "instance_id", http.StatusOK, read(s.instance), instanceAnswer),
		"startInstance":   s.instanceAction(s.svc.StartStoppedInstance),
		"stopInstance":    onID(s, "instance_id", http.StatusOK, read(s.svc.StopInstance), oneInstance),
		"restartInstance": s.instanceAction(s.svc.RestartInstance),

		"sendMessage":      s.handleMessageSend,
		"listMessages":     s.handleMessageList,
		"getMessage":       onID(s, "message_id", http.StatusOK, read(s.messageDetail), localDetail),
		"cancelMessage":    onID(s, "message_id", http.StatusOK, read(s.svc.CancelMessage), sentMessage),
		"getMessagePoll":   onID(s, "message_id", http.StatusOK, read(s.svc.PollTally), onePoll),
		"getMessageMedia":  s.handleMessageMedia,
		"markMessagesRead": s.handleMessagesRead,
		"checkContacts":    s.handleContactsCheck,

		"createWebhook":          s.handleWebhookCreate,
		"listWebhooks":           boundList(s.svc.ListWebhooks, webhookPage),
		"getWebhook":             onID(s, "webhook_id", http.StatusOK, read(s.svc.Webhook), oneWebhook),
		"deleteWebhook":          onID(s, "webhook_id", http.StatusOK, read(s.deleteWebhook), nil),
		"updateWebhook":          onID(s, "webhook_id", http.StatusOK, s.updateWebhook, oneWebhook),
		"testWebhook":            onID(s, "webhook_id", http.StatusAccepted, read(s.svc.TestWebhook), oneDelivery),
		"rotateWebhookSecret":    s.handleWebhookRotate,
		"retryWebhookDeliveries": onID(s, "webhook_id", http.StatusAccepted, s.retryDeliveries, nil),
		"listWebhookDeliveries":  s.handleDeliveryList,
		"getWebhookDelivery":     s.handleDeliveryGet,
		"getWebhookStats":        s.handleWebhookStats,
		"retryWebhookDelivery":   s.handleDeliveryRetry,
		"streamEvents":           s.handleEvents,

		"createAPIKey": s.handleAPIKeyCreate,
		"listAPIKeys":  s.handleAPIKeyList,
		"revokeAPIKey": s.handleAPIKeyRevoke,

		"getAnalyticsOverview": s.handleAnalyticsOverview,
		"getMessageSeries":     s.handleAnalyticsMessages,
		"listPlans":            s.handlePlanList,
		"getPlan":              s.handlePlanGet,
		"getSubscription":      s.handleSubscription,
		"getUsage":             s.handleUsage,
		"getStatement":         s.handleStatement,
	}
	for _, group := range []map[string]handler{s.accountHandlers(), s.chatHandlers(), s.contactHandlers(),
		s.profileHandlers(), s.channelHandlers(), s.callHandlers(), s.labelHandlers()} {
		maps.Copy(out, group)
	}
	return out
}

// isTenantRoute tells the tenant's authenticated routes: the API's routes
// outside /admin that need a token or a key.
func isTenantRoute(o operation) bool { return o.API && !o.Public && !isAdminRoute(o) }

// isAdminRoute tells the operator's routes, under /admin.
func isAdminRoute(o operation) bool { return o.API && o.Tag == "Admin" }

// isAnonymousRoute tells the API's routes that need no authentication
// (register, login, account mail).
func isAnonymousRoute(o operation) bool { return o.API && o.Public }

// isServiceRoute tells the routes outside the API (/, /health…).
func isServiceRoute(o operation) bool { return !o.API && !mountedElsewhere[o.ID] }

// mountedElsewhere are documented routes their owners mount: the document
// and its page (docsRoutes), /metrics (the composition root's Extra).
var mountedElsewhere = map[string]bool{"getOpenAPI": true, "getDocs": true, "getMetrics": true}

// routeTable registers the table's operations on chi routers, group by
// group, and checks when done that every handler found its operation.
type routeTable struct {
	s        *Server
	handlers map[string]handler
	// ops is operations(), built once: every group's mount walks it, and
	// building the table with its examples is a visible part of start-up.
	ops     []operation
	mounted []string
}

func (s *Server) newRouteTable() *routeTable {
	return &routeTable{s: s, handlers: s.handlers(), ops: operations()}
}

// mount registers every operation of which on r, its path stripped of
// prefix (the path of r's own mount), its handler wrapped by wrap. An entry
// without a handler is a programming error caught when the server is built
// (and by every test that builds one).
func (t *routeTable) mount(r chi.Router, which func(operation) bool, prefix string, wrap func(operation, http.Handler) http.Handler) {
	for _, o := range t.ops {
		if !which(o) {
			continue
		}
		h, found := t.handlers[o.ID]
		if !found {
			panic(fmt.Sprintf("api: operation %s (%s %s) has no handler", o.ID, o.Method, o.Path))
		}
		r.Method(o.Method, strings.TrimPrefix(o.Path, prefix), wrap(o, t.s.h(h)))
		t.mounted = append(t.mounted, o.ID)
	}
}

// done panics on a handler no operation mounted.
func (t *routeTable) done() {
	for _, id := range t.mounted {
		delete(t.handlers, id)
	}
	for id := range t.handlers {
		panic(fmt.Sprintf("api: handler %s has no operation", id))
	}
}

// plain wraps nothing: the group's middleware is all the route needs.
func plain(_ operation, h http.Handler) http.Handler { return h }

// guard checks, in this order, what the operation's table entry declares:
// the API key's scope, the session a bound key is confined to, and only then
// the Idempotency-Key, so a replay is never answered to a caller the route
// would refuse.
func (s *Server) guard(o operation, next http.Handler) http.Handler {
	next = s.idempotent(o, next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := who(r)
		if o.TokenOnly && p.APIKey != nil {
			writeError(w, r, s.log, gateway.Errorf(gateway.CodeForbidden, "Use a login token here, not an API key."))
			return
		}
		if o.Scope != "" && !service.KeyAllows(p.APIKey, o.Scope) {
			writeError(w, r, s.log, gateway.Errorf(gateway.CodeForbidden, "This API key does not have the %q scope.", o.Scope))
			return
		}
		if sid := boundSession(r); sid != "" {
			if err := s.confine(r, o.Bound, sid); err != nil {
				writeError(w, r, s.log, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// boundSession is the session a session-bound API key is confined to; ""
// for a JWT or a key of the whole tenant.
func boundSession(r *http.Request) string {
	if p := who(r); p != nil && p.APIKey != nil {
		return p.APIKey.SessionID
	}
	return ""
}

// confine applies a route's policy to a key bound to session sid.
func (s *Server) confine(r *http.Request, b bound, sid string) error {
	switch b {
	case boundOpen, boundHandler:
		return nil
	case boundPath:
		return s.confinePath(r, sid)
	}
	return gateway.Errorf(gateway.CodeForbidden, "This API key is bound to one session; this route acts on the whole account. Use a key that is not bound to a session.")
}

// confinePath checks that every resource the path names belongs to session
// sid. Another session's resource answers 404, as another tenant's would, so
// a bound key learns nothing about the rest of the account.
func (s *Server) confinePath(r *http.Request, sid string) error {
	ctx, userID := r.Context(), who(r).User.ID
	params := chi.RouteContext(ctx).URLParams
	for i, name := range params.Keys {
		id := params.Values[i]
		var owner string // the session of the resource the parameter names
		switch name {
		case "session_id":
			owner = id
		case "instance_id":
			inst, err := s.instance(ctx, userID, id)
			if err != nil {
				return err
			}
			owner = inst.v.SessionID
		case "webhook_id":
			wh, err := s.svc.Webhook(ctx, userID, id)
			if err != nil {
				return err
			}
			owner = wh.SessionID // "" for a tenant-wide endpoint: not the session's either
		case "message_id":
			m, err := s.svc.Message(ctx, userID, id)
			if err != nil {
				return err
			}
			owner = m.SessionID
		case "delivery_id", "group_id", "call_id", "channel_id", "label_id", "*":
			// A delivery is looked up under its webhook_id, and a group, a
			// call, a channel or a label under its session_id, each confined on its
			// own; "*" is chi's record of the /api/{version} mount.
			continue
		default:
			return fmt.Errorf("api: path parameter %s has no confinement rule for session-bound keys", name)
		}
		if owner != sid {
			return gateway.NotFound(paramResource[name])
		}
	}
	return nil
}

// paramResource names what a path parameter designates, in the 404 answer.
var paramResource = map[string]string{"session_id": "Session", "instance_id": "Instance", "webhook_id": "Webhook", "message_id": "Message"}

// onePage is the pagination of a list of a single item: what a
// session-bound key's lists hold (its session, itself).
var onePage = service.Pagination{Page: 1, Limit: 1, Total: 1, Pages: 1}

// sameSession refuses a request of a session-bound key that names another
// session in its body or query (sessionID "" names none).
func sameSession(r *http.Request, sessionID string) error {
	if sid := boundSession(r); sid != "" && sessionID != "" && sessionID != sid {
		return gateway.Errorf(gateway.CodeForbidden, "This API key may only act for its own session.")
	}
	return nil
}

// ownSession is the session a request acts for: the one it names, or the
// bound key's own when it names none.
func ownSession(r *http.Request, sessionID string) (string, error) {
	if err := sameSession(r, sessionID); err != nil {
		return "", err
	}
	if sessionID == "" {
		return boundSession(r), nil
	}
	return sessionID, nil
}
