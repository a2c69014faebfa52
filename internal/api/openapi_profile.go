package api

import (
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

var (
	exampleProfile = gateway.Profile{JID: "15550001111@s.whatsapp.net", Phone: "15550001111", LID: "323456789012345@lid",
		PushName: "Shop", About: "Open 9 to 5", PictureID: "1703012345", PictureURL: "https://pps.whatsapp.net/v/t61.24694-24/123_456_n.jpg?oh=…&oe=…",
		IsBusiness: true, Business: &gateway.BusinessProfile{Name: "The Shop Ltd", Address: "1 High Street", Email: "shop@example.com",
			Categories: []string{"Shopping & retail"}, TimeZone: "Europe/London",
			Hours: []gateway.BusinessHours{{Day: "mon", Mode: "specific_hours", Open: "540", Close: "1020"}}}}
	examplePrivacy = gateway.PrivacySettings{GroupAdd: "contacts", LastSeen: "contacts", Status: "all", Profile: "all",
		ReadReceipts: "all", Online: "match_last_seen", CallAdd: "all"}
)

const profileErrors = " 409 conflict with details.state when the session is not connected; 422 whatsapp_refused with WhatsApp's " +
	"reason when it refuses."

// profileOperations document the session's own profile and privacy settings.
func profileOperations() []operation {
	ops := []operation{
		{Method: "GET", Path: "/sessions/{session_id}/profile", API: true, ID: "getProfile", Bound: boundPath, Tag: "Profile",
			Scope: service.ScopeRead, Summary: "The account's profile: push name, about text, picture, business profile",
			Description: "Asked of WhatsApp now (source: live). business is there when the account is a WhatsApp Business account." + profileErrors,
			Data:        gateway.ProfileResult{Profile: exampleProfile, Source: service.SourceLive}},
		{Method: "PUT", Path: "/sessions/{session_id}/profile", API: true, ID: "updateProfile", Bound: boundPath, Tag: "Profile",
			Scope: ScopeManage, Summary: "Change the push name and about text",
			Description: "Fields left out stay as they are: push_name (1 to 25 characters), about (at most 139). Recorded in the " +
				"operations log; emits contact.update about the account itself (change push_name or about)." + profileErrors,
			Body: gateway.ProfileUpdateRequest{}, Example: map[string]any{"push_name": "Shop", "about": "Open 9 to 5"},
			Data: gateway.ProfileResult{Profile: exampleProfile}},
		{Method: "PUT", Path: "/sessions/{session_id}/profile/picture", API: true, ID: "setProfilePicture", Bound: boundPath, Tag: "Profile",
			Scope: ScopeManage, Summary: "Set the profile picture",
			Description: "image is a JPEG of at most 512 KiB, base64-encoded (WhatsApp shows 640x640, square). The operations log keeps " +
				"its size, not the picture; emits contact.update (change picture, value the new picture id)." + profileErrors,
			Body: gateway.ProfilePictureRequest{}, Example: map[string]any{"image": "/9j/4AAQSkZJRgABAQAAAQABAAD…"},
			Data: gateway.ProfilePicture{JID: exampleProfile.JID, PictureID: "1703012399"}},
		{Method: "DELETE", Path: "/sessions/{session_id}/profile/picture", API: true, ID: "removeProfilePicture", Bound: boundPath, Tag: "Profile",
			Scope: ScopeManage, Summary: "Remove the profile picture", Description: "Emits contact.update (change picture, no value)." + profileErrors,
			Data: gateway.ProfilePicture{JID: exampleProfile.JID}},
		{Method: "GET", Path: "/sessions/{session_id}/profile/privacy", API: true, ID: "getPrivacySettings", Bound: boundPath, Tag: "Profile",
			Scope: service.ScopeRead, Summary: "The account's privacy settings", Description: "Asked of WhatsApp now (source: live)." + profileErrors,
			Data: gateway.PrivacyResult{Privacy: examplePrivacy, Source: service.SourceLive}},
		{Method: "PUT", Path: "/sessions/{session_id}/profile/privacy", API: true, ID: "updatePrivacySettings", Bound: boundPath, Tag: "Profile",
			Scope: ScopeManage, Summary: "Change privacy settings",
			Description: "Fields left out stay as they are. group_add, last_seen, status (who sees the about text) and profile (who sees " +
				"the picture): all, contacts, contact_blacklist or none; read_receipts: all or none; online: all or match_last_seen; " +
				"call_add: all or known. Answers every setting after the change; recorded in the operations log." + profileErrors,
			Body: gateway.PrivacyUpdateRequest{}, Example: map[string]any{"last_seen": "contacts", "read_receipts": "none"},
			Data: gateway.PrivacyResult{Privacy: examplePrivacy}},
		{Method: "POST", Path: "/sessions/{session_id}/presence", API: true, ID: "setPresence", Bound: boundPath, Tag: "Presence",
			Scope: ScopeManage, Summary: "Show the account online (available) or offline (unavailable)",
			Description: "While available, WhatsApp shows the account online and may not push notifications to the phone. " +
				"Recorded in the operations log. Typing is POST /sessions/{session_id}/typing." + profileErrors,
			Body: gateway.PresenceRequest{}, Example: map[string]any{"presence": "available"},
			Data: gateway.PresenceRequest{Presence: gateway.PresenceAvailable}},
		{Method: "POST", Path: "/sessions/{session_id}/contacts/{contact_id}/presence", API: true, ID: "subscribePresence", Bound: boundPath,
			Tag: "Presence", Scope: ScopeManage, Summary: "Subscribe to a user's presence",
			Description: "presence events follow (the current presence first): {contact, presence: available|unavailable, last_seen} " +
				"when the user's privacy settings show it. WhatsApp ties subscriptions, and the account's own presence, to the " +
				"connection: the session sends both again after every reconnect (on whatsmeow, while its worker runs: after a " +
				"restart of the session, subscribe again). Recorded in the operations log." + profileErrors + " 404 when the number is not on WhatsApp.",
			Data: gateway.PresenceSubscription{Contact: "15550002222@s.whatsapp.net", Subscribed: true}},
	}
	return withErrors(ops, http.StatusConflict, http.StatusUnprocessableEntity)
}
