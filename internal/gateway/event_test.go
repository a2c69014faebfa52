package gateway

import "testing"

// matchCase is one subscription check: whether an endpoint subscribed to
// subs gets an event of type typ.
type matchCase struct {
	subs []string
	typ  string
	want bool
}

func checkMatches(t *testing.T, tests []matchCase) {
	t.Helper()
	for _, tt := range tests {
		if got := Matches(tt.subs, tt.typ); got != tt.want {
			t.Errorf("Matches(%v, %s) = %v, want %v", tt.subs, tt.typ, got, tt.want)
		}
	}
}

func TestMatches(t *testing.T) {
	checkMatches(t, []matchCase{
		{[]string{"*"}, EventReaction, true},
		{[]string{EventMessage}, EventMessage, true},
		// The finer types of what used to arrive as message still reach message.
		{[]string{EventMessage}, EventMessageEdited, true},
		{[]string{EventMessage}, EventMessageRevoked, true},
		{[]string{EventMessage}, EventReaction, true},
		{[]string{EventMessage}, EventPollVote, true},
		{[]string{EventMessage}, EventMessageStatus, false},
		// A finer subscription gets only its own.
		{[]string{EventReaction}, EventReaction, true},
		{[]string{EventReaction}, EventMessage, false},
		{[]string{EventMessageEdited}, EventMessageRevoked, false},
		{[]string{EventGroupStatus}, EventMessageStatus, true},
		{[]string{EventGroupStatus}, EventReaction, false},
	})
	for typ, want := range map[MessageType]string{TypeText: EventMessage, TypeEdit: EventMessageEdited, TypeRevoke: EventMessageRevoked,
		TypeReaction: EventReaction, TypePoll: EventMessage, TypeInteractiveReply: EventMessage} {
		if got := InboundEventType(typ); got != want {
			t.Errorf("InboundEventType(%s) = %s, want %s", typ, got, want)
		}
	}
	for _, name := range []string{EventMessageEdited, EventMessageRevoked, EventReaction, EventPollVote} {
		if !ValidSubscription(name) {
			t.Errorf("%s is not a valid subscription", name)
		}
	}
}
