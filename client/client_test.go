package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/api"
)

func TestErrorDecoding(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-1")
		switch r.URL.Path {
		case "/api/v1/sessions/missing":
			w.WriteHeader(404)
			fmt.Fprint(w, `{"success":false,"error":{"code":"not_found","message":"Session not found."}}`)
		case "/api/v1/messages/send":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"success":false,"error":{"code":"rate_limited","message":"Too many requests.","details":{"retry_after_seconds":7}}}`)
		case "/api/v1/sessions":
			w.WriteHeader(422)
			fmt.Fprint(w, `{"success":false,"error":{"code":"validation_failed","message":"Some fields are invalid.","fields":{"session_name":"Give a name."}}}`)
		default:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, `<html>bad gateway</html>`)
		}
	}))
	defer srv.Close()
	c := New(srv.URL)
	ctx := context.Background()
	tests := []struct {
		name   string
		call   func() error
		status int
		code   string
		check  func(*Error) bool
	}{
		{"not found", func() error { _, err := c.Session(ctx, "missing"); return err }, 404, "not_found",
			func(e *Error) bool { return e.Message == "Session not found." && e.RequestID == "req-1" }},
		{"rate limited", func() error { _, err := c.Send(ctx, SendRequest{}); return err }, 429, "rate_limited",
			func(e *Error) bool { return e.RetryAfter.Seconds() == 7 }},
		{"validation", func() error { _, err := c.CreateSession(ctx, CreateSessionRequest{}); return err }, 422, "validation_failed",
			func(e *Error) bool {
				return e.Fields["session_name"] == "Give a name." && strings.Contains(e.Error(), "session_name")
			}},
		{"not the envelope", func() error { _, err := c.Me(ctx); return err }, 502, "http_502", func(*Error) bool { return true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error", err)
			}
			if e.Status != tt.status || e.Code != tt.code || ErrorCode(err) != tt.code || !tt.check(e) {
				t.Errorf("got %+v, want status %d code %s", e, tt.status, tt.code)
			}
		})
	}
}

func TestStreamParsing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("stream") != "true" || r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": comment\n\nevent: qr\ndata: {\"code\":\"A\",\"qr_image\":\"data:x\"}\n\n")
		fmt.Fprint(w, "event: qr\ndata: {\"code\":\"B\"}\n\n")
		fmt.Fprint(w, "event: status\ndata: {\"state\":\"connected\",\"phone\":\"1555\"}\n\n")
	}))
	defer srv.Close()
	c := New(srv.URL)
	c.Token = "tok"
	var got []string
	err := c.WatchQR(context.Background(), "s1", func(e QREvent) error {
		switch e.Type {
		case "qr":
			got = append(got, "qr:"+e.QR.Code)
		case "status":
			got = append(got, "status:"+e.State+":"+e.Phone)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"qr:A", "qr:B", "status:connected:1555"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	got = nil
	err = c.WatchQR(context.Background(), "s1", func(e QREvent) error { got = append(got, e.Type); return ErrStop })
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v, %v after ErrStop, want one event and no error", got, err)
	}
}

// clientMethods maps each operationId of the OpenAPI document to the
// Client method that calls it. TestEveryOperationHasAMethod fails when a
// route has none.
var clientMethods = map[string]string{
	"listAccountOperations": "AccountOperations", "listGroups": "Groups", "getGroup": "Group", "createGroup": "CreateGroup",
	"updateGroup": "UpdateGroup", "updateGroupParticipants": "UpdateGroupParticipants", "getGroupInviteLink": "GroupInviteLink",
	"resetGroupInviteLink": "ResetGroupInviteLink", "joinGroup": "JoinGroup", "leaveGroup": "LeaveGroup",
	"listGroupRequests": "GroupRequests", "approveGroupRequests": "ApproveGroupRequests", "rejectGroupRequests": "RejectGroupRequests",
	"listContacts": "Contacts", "getContact": "Contact", "listBlocked": "Blocked", "blockContact": "Block",
	"unblockContact": "Unblock", "getPhoneByLID": "PhoneByLID", "getLIDByPhone": "LIDByPhone",
	"setPresence": "SetPresence", "subscribePresence": "SubscribePresence",
	"rejectCall": "RejectCall", "placeSandboxCall": "PlaceSandboxCall", "acceptSandboxCall": "AcceptSandboxCall", "endSandboxCall": "EndSandboxCall",
	"getProfile": "Profile", "updateProfile": "UpdateProfile", "setProfilePicture": "SetProfilePicture",
	"removeProfilePicture": "RemoveProfilePicture", "getPrivacySettings": "PrivacySettings", "updatePrivacySettings": "UpdatePrivacySettings",
	"listChats": "Chats", "getChat": "Chat", "listChatMessages": "ChatMessages", "chatAction": "ChatAction", "deleteChat": "DeleteChat",
	"listLabels": "Labels", "createLabel": "CreateLabel", "updateLabel": "UpdateLabel", "deleteLabel": "DeleteLabel",
	"listLabelMessages": "LabelMessages",
	"labelChat":         "LabelChat", "unlabelChat": "LabelChat", "labelMessage": "LabelMessage", "unlabelMessage": "LabelMessage",
	"getServiceInfo": "Info", "getHealth": "Health",
	"register": "Register", "login": "Login", "getMe": "Me", "changePassword": "ChangePassword",
	"createSession": "CreateSession", "listSessions": "ListSessions", "getSession": "Session", "updateSession": "UpdateSession",
	"deleteSession": "DeleteSession", "getSessionStatus": "SessionStatus", "getSessionQR": "QR", "requestPairCode": "RequestPairCode",
	"logoutSession": "LogoutSession", "scanSandboxSession": "ScanSandbox",
	"createInstance": "StartInstance", "listInstances": "ListInstances", "getInstance": "Instance", "startInstance": "ResumeInstance",
	"stopInstance": "StopInstance", "restartInstance": "RestartInstance",
	"sendMessage": "Send", "listMessages": "ListMessages", "getMessage": "Message", "cancelMessage": "CancelMessage", "getMessagePoll": "MessagePoll",
	"getWebhookStats": "WebhookStats", "createWebhook": "CreateWebhook", "listWebhooks": "ListWebhooks", "getWebhook": "Webhook", "deleteWebhook": "DeleteWebhook",
	"createAPIKey": "CreateAPIKey", "listAPIKeys": "ListAPIKeys", "revokeAPIKey": "RevokeAPIKey",
	"getAnalyticsOverview": "Overview",
	"updateWebhook":        "UpdateWebhook", "testWebhook": "TestWebhook", "rotateWebhookSecret": "RotateWebhookSecret",
	"retryWebhookDeliveries": "RetryWebhookDeliveries", "listWebhookDeliveries": "ListWebhookDeliveries",
	"getWebhookDelivery": "WebhookDelivery", "retryWebhookDelivery": "RetryWebhookDelivery", "streamEvents": "Events",
	"forgotPassword": "ForgotPassword", "resetPassword": "ResetPassword", "requestEmailVerification": "RequestEmailVerification",
	"verifyEmail": "VerifyEmail", "verifyEmailLink": "VerifyEmailLink", "checkContacts": "CheckContacts",
	"markMessagesRead": "MarkRead", "setTyping": "SetTyping", "getMessageMedia": "MessageMedia",
	"getMessageSeries": "MessageSeries", "listPlans": "Plans", "getPlan": "Plan", "getSubscription": "Subscription",
	"getUsage": "BillingUsage", "getStatement": "Statement",
	"adminListTenants": "AdminTenants", "adminGetTenant": "AdminTenant", "adminSuspendTenant": "AdminSuspend",
	"adminResumeTenant": "AdminResume", "adminChangePlan": "AdminChangePlan", "adminTenantStatement": "AdminTenantStatement",
	"adminStats": "AdminStats", "adminSearchSessions": "AdminSessions", "adminAudit": "AdminAudit", "adminListPlans": "AdminPlans", "adminGetPlan": "AdminPlan",
	"adminCreatePlan": "AdminCreatePlan", "adminUpdatePlan": "AdminUpdatePlan", "adminDeletePlan": "AdminDeletePlan",
	"listChannels": "Channels", "getChannel": "Channel", "createChannel": "CreateChannel", "followChannel": "FollowChannel",
	"unfollowChannel": "UnfollowChannel", "listChannelPosts": "ChannelPosts",
}

// notClientCalls are operations that are not API calls (pages, probes).
var notClientCalls = map[string]bool{
	"getOpenAPI": true, "getDocs": true, "getMetrics": true, "getHealthDatabase": true, "getHealthLive": true, "getHealthReady": true,
}

func TestEveryOperationHasAMethod(t *testing.T) {
	raw, err := api.OpenAPIDocument("v1", "test")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ct := reflect.TypeFor[*Client]()
	for path, item := range doc.Paths {
		for method, op := range item {
			if notClientCalls[op.OperationID] {
				continue
			}
			name, ok := clientMethods[op.OperationID]
			if !ok {
				t.Errorf("%s %s (%s) has no Client method: add one in client/ and list it in clientMethods", strings.ToUpper(method), path, op.OperationID)
				continue
			}
			if _, ok := ct.MethodByName(name); !ok {
				t.Errorf("clientMethods[%q] = %q, which is not a method of *Client", op.OperationID, name)
			}
		}
	}
}
