package gateway

import "testing"

func TestStatusAndChannelRecipients(t *testing.T) {
	for in, want := range map[string]string{
		"status": StatusJID, "STATUS@broadcast": StatusJID, "120363123456789012@newsletter": "120363123456789012@newsletter",
	} {
		r, err := ParseRecipient(in)
		if err != nil || r.JID != want {
			t.Errorf("ParseRecipient(%q) = %q, %v; want %q", in, r.JID, err, want)
		}
	}
	if r, _ := ParseRecipient("status"); !r.IsStatus() || r.IsChannel() {
		t.Error("status is not a status recipient")
	}
	if r, _ := ParseRecipient("1203631@newsletter"); !r.IsChannel() {
		t.Error("a newsletter JID is not a channel")
	}
	for _, bad := range []string{"123@broadcast", "abc@newsletter", "@newsletter"} {
		if _, err := ParseRecipient(bad); ErrorCode(err) != CodeValidation {
			t.Errorf("ParseRecipient(%q) = %v, want a validation error", bad, err)
		}
	}
}

func TestStatusPostsAreOptIn(t *testing.T) {
	checkMatches(t, []matchCase{
		{[]string{EventStatusPost}, EventStatusPost, true},
		{[]string{EventAll}, EventStatusPost, false},
		{[]string{EventMessage}, EventStatusPost, false},
		{[]string{EventGroupStatus}, EventStatusPost, false},
		{[]string{EventMessage}, EventChannelMessage, true},
		{[]string{EventAll}, EventChannelMessage, true},
		{[]string{EventStatusPost}, EventMessage, false},
	})
	if !ValidSubscription(EventStatusPost) || !ValidSubscription(EventChannelMessage) {
		t.Error("status.post and channel.message cannot be subscribed to")
	}
	for chat, want := range map[string]string{StatusJID: EventStatusPost, "1203631@newsletter": EventChannelMessage, "1555@s.whatsapp.net": EventMessage} {
		if got := MessageEventType(&Message{Chat: chat, Type: TypeText}); got != want {
			t.Errorf("MessageEventType(chat %s) = %s, want %s", chat, got, want)
		}
	}
}

func TestStatusColors(t *testing.T) {
	for in, want := range map[string]uint32{"#112233": 0xff112233, "#80FFFFFF": 0x80ffffff} {
		got, err := ParseColor(in)
		if err != nil || got != want {
			t.Errorf("ParseColor(%q) = %#x, %v; want %#x", in, got, err, want)
		}
	}
	for _, bad := range []string{"red", "#12345", "112233", "#GGGGGG"} {
		if _, err := ParseColor(bad); err == nil {
			t.Errorf("ParseColor(%q) accepted", bad)
		}
	}
	if FormatColor(0xff112233) != "#112233" || FormatColor(0x80ffffff) != "#80ffffff" {
		t.Error("FormatColor does not round-trip")
	}
	f := map[string]string{}
	st := &StatusStyle{Font: "Courierprime_Bold", BackgroundColor: "blue"}
	st.Check("s", f)
	if st.Font != "courierprime_bold" || f["s.background_color"] == "" || f["s.font"] != "" {
		t.Errorf("Check: style %+v fields %v", st, f)
	}
	if StatusFontName(StatusFonts["exo2_extrabold"]) != "exo2_extrabold" || StatusFontName(99) != "" {
		t.Error("StatusFontName")
	}
}
