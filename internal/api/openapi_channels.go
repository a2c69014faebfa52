package api

import (
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

var exampleChannel = gateway.Channel{JID: "120363123456789012@newsletter", Name: "Shop news", Description: "New arrivals and offers",
	InviteLink: "https://whatsapp.com/channel/0029VaAbCdEf0123456789", Subscribers: 1280, Role: gateway.ChannelOwner,
	State: "active", CreatedAt: &exampleTime}

const channelErrors = " 409 conflict with details.state when the session is not connected; 422 whatsapp_refused with WhatsApp's " +
	"reason when it refuses; 404 when the channel does not exist."

// channelOperations document the session's channels (newsletters).
func channelOperations() []operation {
	channelParam := "{channel_id} is the channel's JID (…@newsletter)"
	ops := []operation{
		{Method: "GET", Path: "/sessions/{session_id}/channels", API: true, ID: "listChannels", Bound: boundPath, Tag: "Channels",
			Scope: service.ScopeRead, Summary: "The channels the account follows or administers",
			Description: "Asked of WhatsApp now. role tells what the account may do: owner and admin post (POST /messages/send with " +
				"the channel's JID as recipient); subscriber only reads." + channelErrors,
			Data: gateway.ChannelList{Channels: []gateway.Channel{exampleChannel}}},
		{Method: "POST", Path: "/sessions/{session_id}/channels", API: true, ID: "createChannel", Bound: boundPath, Tag: "Channels",
			Scope: ScopeManage, Summary: "Create a channel the account owns",
			Description: "name (1 to 100 characters) and description (at most 2048). Recorded in the operations log. WhatsApp asks an " +
				"account to accept the channels terms on a phone before its first channel." + channelErrors,
			Body: gateway.ChannelCreateRequest{}, Example: map[string]any{"name": "Shop news", "description": "New arrivals and offers"},
			Status: 201, Data: channelData{exampleChannel}},
		{Method: "GET", Path: "/sessions/{session_id}/channels/{channel_id}", API: true, ID: "getChannel", Bound: boundPath, Tag: "Channels",
			Scope: service.ScopeRead, Summary: "One channel, by JID or invite code",
			Description: "{channel_id} is the channel's JID (…@newsletter) or its invite code (what follows " +
				"https://whatsapp.com/channel/ in its link); looked up by invite, the account's role is not told." + channelErrors,
			Data: channelData{exampleChannel}},
		{Method: "POST", Path: "/sessions/{session_id}/channels/{channel_id}/follow", API: true, ID: "followChannel", Bound: boundPath,
			Tag: "Channels", Scope: ScopeManage, Summary: "Follow a channel",
			Description: channelParam + ". Its posts then arrive as channel.message events. Recorded in the operations log." + channelErrors,
			Data:        gateway.ChannelFollow{Channel: exampleChannel.JID, Following: true}},
		{Method: "DELETE", Path: "/sessions/{session_id}/channels/{channel_id}/follow", API: true, ID: "unfollowChannel", Bound: boundPath,
			Tag: "Channels", Scope: ScopeManage, Summary: "Stop following a channel",
			Description: channelParam + ". Recorded in the operations log." + channelErrors,
			Data:        gateway.ChannelFollow{Channel: exampleChannel.JID, Following: false}},
		{Method: "GET", Path: "/sessions/{session_id}/channels/{channel_id}/messages", API: true, ID: "listChannelPosts", Bound: boundPath,
			Tag: "Channels", Scope: service.ScopeRead, Summary: "A channel's recent posts",
			Description: channelParam + ". Asked of WhatsApp now, oldest first: the last count posts (default 20, at most 100), " +
				"before the post numbered before when given (page back with the first post's server_id)." + channelErrors,
			Query: []param{
				{Name: "count", Type: "integer", Description: "How many posts, 1 to 100 (default 20)."},
				{Name: "before", Type: "integer", Description: "Only posts before this server_id."},
			},
			Data: gateway.ChannelMessages{Channel: exampleChannel.JID, Messages: []gateway.ChannelMessage{{ServerID: 117,
				WAMessageID: "3EB0C0FFEE0123456789", Type: gateway.TypeText, Text: "New arrivals today", Views: 830,
				Reactions: map[string]int{"👍": 41}, Timestamp: exampleTime}}}},
	}
	return withErrors(ops, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity)
}
