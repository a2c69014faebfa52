package api

import (
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

var (
	exampleContact = gateway.ContactInfo{JID: "15550002222@s.whatsapp.net", Phone: "15550002222", LID: "123456789012345@lid",
		PushName: "Sara", SavedName: "Sara (support)"}
	exampleBusinessContact = gateway.ContactInfo{JID: "15550003333@s.whatsapp.net", Phone: "15550003333", LID: "223456789012345@lid",
		PushName: "Shop", BusinessName: "The Shop Ltd", IsBusiness: true}
	exampleBlocked = false
)

const contactErrors = " 409 conflict with details.state when the session is not connected; 422 whatsapp_refused with WhatsApp's " +
	"reason when it refuses; 404 when the number is not on WhatsApp."

// contactOperations document the session's contacts: the people its
// account knows, one person's details, the block list, the LID map.
func contactOperations() []operation {
	details := exampleContact
	details.About, details.PictureID = "Available", "1703012345"
	details.PictureURL = "https://pps.whatsapp.net/v/t61.24694-24/123_456_n.jpg?oh=…&oe=…"
	details.Blocked = &exampleBlocked
	blocked := gateway.Blocklist{Blocked: []string{"15550009999@s.whatsapp.net"}}
	ops := []operation{
		{Method: "GET", Path: "/sessions/{session_id}/contacts", API: true, ID: "listContacts", Bound: boundPath, Tag: "Contacts",
			Scope: service.ScopeRead, Summary: "The contacts the session's account knows",
			Description: "From the session's store (source: store): the people whose names it has seen (push names in messages, " +
				"the phone's address book as saved_name, verified business names), with their phone number and LID when known. " +
				"The sandbox lists the account's other sandbox sessions (it has no address book)." + contactErrors,
			Data: gateway.ContactList{Contacts: []gateway.ContactInfo{exampleContact, exampleBusinessContact}, Source: service.SourceStore}},
		{Method: "GET", Path: "/sessions/{session_id}/contacts/blocked", API: true, ID: "listBlocked", Bound: boundPath, Tag: "Contacts",
			Scope: service.ScopeRead, Summary: "The block list", Description: "Asked of WhatsApp now (source: live)." + contactErrors,
			Data: gateway.Blocklist{Blocked: blocked.Blocked, Source: service.SourceLive}},
		{Method: "GET", Path: "/sessions/{session_id}/contacts/lid/{lid}", API: true, ID: "getPhoneByLID", Bound: boundPath, Tag: "Contacts",
			Scope: service.ScopeRead, Summary: "The phone number behind a LID",
			Description: "From the session's LID map (source: store): WhatsApp tells a LID's number only to those who have seen it " +
				"(a message, a group), so an unknown LID is 404." + contactErrors,
			Data: gateway.LIDMapping{Phone: "15550002222", JID: "15550002222@s.whatsapp.net", LID: "123456789012345@lid", Source: service.SourceStore}},
		{Method: "GET", Path: "/sessions/{session_id}/contacts/phone/{phone}", API: true, ID: "getLIDByPhone", Bound: boundPath, Tag: "Contacts",
			Scope: service.ScopeRead, Summary: "The LID of a phone number",
			Description: "From the session's LID map (source: store), else asked of WhatsApp (source: live)." + contactErrors,
			Data:        gateway.LIDMapping{Phone: "15550002222", JID: "15550002222@s.whatsapp.net", LID: "123456789012345@lid", Source: service.SourceLive}},
		{Method: "GET", Path: "/sessions/{session_id}/contacts/{contact_id}", API: true, ID: "getContact", Bound: boundPath, Tag: "Contacts",
			Scope: service.ScopeRead, Summary: "One user: names, about text, profile picture, business flag, blocked",
			Description: "Asked of WhatsApp now (source: live). The picture URL is cached for 24 hours and fetched again only when " +
				"the picture changed (its id comes with every read) or with refresh=true. about and the picture are empty when the " +
				"user's privacy settings hide them." + contactErrors,
			Query: []param{{Name: "refresh", Type: "string", Enum: []string{"true", "false"}, Description: "true fetches the picture URL even when cached."}},
			Data:  gateway.ContactDetails{Contact: details, Source: service.SourceLive}},
		{Method: "POST", Path: "/sessions/{session_id}/contacts/{contact_id}/block", API: true, ID: "blockContact", Bound: boundPath, Tag: "Contacts",
			Scope: ScopeManage, Summary: "Block a user", Description: "Answers the new block list; recorded in the operations log and " +
				"emits contact.update (change: blocked)." + contactErrors,
			Data: blocked},
		{Method: "POST", Path: "/sessions/{session_id}/contacts/{contact_id}/unblock", API: true, ID: "unblockContact", Bound: boundPath, Tag: "Contacts",
			Scope: ScopeManage, Summary: "Unblock a user", Description: "Answers the new block list; recorded in the operations log and " +
				"emits contact.update (change: unblocked)." + contactErrors,
			Data: gateway.Blocklist{Blocked: []string{}}},
	}
	return withErrors(ops, http.StatusConflict, http.StatusUnprocessableEntity)
}
