package whatsmeow

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waVnameCert"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// fakeProfile answers the profile queries as WhatsApp would.
type fakeProfile struct {
	fakeContacts
	business   *types.BusinessProfile
	photoJID   types.JID
	photo      []byte
	photoErr   error
	privacy    types.PrivacySettings
	privacySet [][2]string
}

func (f *fakeProfile) GetBusinessProfile(context.Context, types.JID) (*types.BusinessProfile, error) {
	return f.business, nil
}
func (f *fakeProfile) SetStatusMessage(context.Context, string) error         { return nil }
func (f *fakeProfile) SendAppState(context.Context, appstate.PatchInfo) error { return nil }
func (f *fakeProfile) TryFetchPrivacySettings(context.Context, bool) (*types.PrivacySettings, error) {
	return &f.privacy, nil
}
func (f *fakeProfile) SetGroupPhoto(_ context.Context, j types.JID, b []byte) (string, error) {
	f.photoJID, f.photo = j, b
	if f.photoErr != nil {
		return "", f.photoErr
	}
	if b == nil {
		return "remove", nil
	}
	return "p9", nil
}
func (f *fakeProfile) SetPrivacySetting(_ context.Context, n types.PrivacySettingType, v types.PrivacySetting) (types.PrivacySettings, error) {
	f.privacySet = append(f.privacySet, [2]string{string(n), string(v)})
	if n == types.PrivacySettingTypeLastSeen {
		f.privacy.LastSeen = v
	}
	return f.privacy, nil
}

// TestProfileOf: the own user query gives about text, LID and picture; a
// verified name makes the account a business with its profile.
func TestProfileOf(t *testing.T) {
	name := "The Shop Ltd"
	f := &fakeProfile{fakeContacts: fakeContacts{
		infos: map[types.JID]types.UserInfo{ownUser: {Status: "Open 9 to 5", PictureID: "p1", LID: otherLID,
			VerifiedName: &types.VerifiedName{Details: &waVnameCert.VerifiedNameCertificate_Details{VerifiedName: &name}}}},
		pictures: map[types.JID]*types.ProfilePictureInfo{ownUser: {ID: "p1", URL: "https://pps.whatsapp.net/p1.jpg"}}},
		business: &types.BusinessProfile{Address: "1 High Street", Email: "shop@example.com", Categories: []types.Category{{ID: "1", Name: "Retail"}},
			BusinessHoursTimeZone: "UTC", BusinessHours: []types.BusinessHoursConfig{{DayOfWeek: "mon", Mode: "specific_hours", OpenTime: "540", CloseTime: "1020"}}}}
	got, err := profileOf(t.Context(), f, ownUser, "Shop")
	want := &gateway.Profile{JID: "15550001111@s.whatsapp.net", Phone: "15550001111", LID: "123456789012345@lid", PushName: "Shop",
		About: "Open 9 to 5", PictureID: "p1", PictureURL: "https://pps.whatsapp.net/p1.jpg", IsBusiness: true,
		Business: &gateway.BusinessProfile{Name: "The Shop Ltd", Address: "1 High Street", Email: "shop@example.com", Categories: []string{"Retail"},
			TimeZone: "UTC", Hours: []gateway.BusinessHours{{Day: "mon", Mode: "specific_hours", Open: "540", Close: "1020"}}}}
	if err != nil || cmp.Diff(want, got) != "" {
		t.Fatalf("profileOf: %v (-want +got):\n%s", err, cmp.Diff(want, got))
	}
	f.infos[ownUser] = types.UserInfo{Status: "Hi"}
	got, err = profileOf(t.Context(), f, ownUser, "Me")
	if err != nil || got.IsBusiness || got.Business != nil || got.PictureURL != "" {
		t.Fatalf("a personal account without a picture: got %+v (%v)", got, err)
	}
}

// TestSetPictureAndPrivacy: the picture goes with no target (the account
// itself), a refused image is whatsapp_refused, removal answers no id;
// privacy names map to whatsmeow's.
func TestSetPictureAndPrivacy(t *testing.T) {
	f := &fakeProfile{}
	got, err := setPicture(t.Context(), f, ownUser, []byte{0xff, 0xd8})
	if err != nil || got.PictureID != "p9" || got.JID != "15550001111@s.whatsapp.net" || !f.photoJID.IsEmpty() {
		t.Fatalf("set: got %+v (%v), target %v; want p9 with no target", got, err, f.photoJID)
	}
	if got, err = setPicture(t.Context(), f, ownUser, nil); err != nil || got.PictureID != "" || f.photo != nil {
		t.Fatalf("remove: got %+v (%v)", got, err)
	}
	f.photoErr = wa.ErrInvalidImageFormat
	if _, err := setPicture(t.Context(), f, ownUser, []byte{1}); !gateway.IsCode(err, gateway.CodeRefused) {
		t.Fatalf("refused image: got %v, want whatsapp_refused", err)
	}
	p, err := setPrivacy(t.Context(), f, "last_seen", "contacts")
	if err != nil || p.LastSeen != "contacts" || cmp.Diff([][2]string{{"last", "contacts"}}, f.privacySet) != "" {
		t.Fatalf("privacy: got %+v (%v), sent %v", p, err, f.privacySet)
	}
	for name := range gateway.PrivacySettingValues {
		if _, ok := privacyTypes[name]; !ok {
			t.Errorf("privacy setting %s has no whatsmeow name", name)
		}
	}
}

type fakePresence struct {
	sent       []types.Presence
	subscribed []types.JID
	err        error
}

func (f *fakePresence) SendPresence(_ context.Context, p types.Presence) error {
	f.sent = append(f.sent, p)
	return f.err
}
func (f *fakePresence) SubscribePresence(_ context.Context, j types.JID) error {
	f.subscribed = append(f.subscribed, j)
	return f.err
}

// TestPresence: our values map to whatsmeow's; an account without a push
// name is refused with the reason; presence updates become events, the
// last-seen time only when shown.
func TestPresence(t *testing.T) {
	f := &fakePresence{}
	if err := sendPresence(t.Context(), f, "available"); err != nil || len(f.sent) != 1 || f.sent[0] != types.PresenceAvailable {
		t.Fatalf("available: sent %v (%v)", f.sent, err)
	}
	if err := sendPresence(t.Context(), f, "away"); !gateway.IsCode(err, gateway.CodeValidation) || len(f.sent) != 1 {
		t.Fatalf("away: got %v, sent %v; want validation_failed and nothing sent", err, f.sent)
	}
	f.err = wa.ErrNoPushName
	if err := sendPresence(t.Context(), f, "unavailable"); !gateway.IsCode(err, gateway.CodeRefused) {
		t.Fatalf("no push name: got %v, want whatsapp_refused", err)
	}
	seen := time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)
	got := presenceEvent(&events.Presence{From: types.NewADJID("15550002222", 0, 3), Unavailable: true, LastSeen: seen}).Data
	if got.Contact != "15550002222@s.whatsapp.net" || got.Presence != "unavailable" || got.LastSeen == nil || !got.LastSeen.Equal(seen) {
		t.Fatalf("unavailable: got %+v", got)
	}
	got = presenceEvent(&events.Presence{From: otherUser}).Data
	if got.Presence != "available" || got.LastSeen != nil {
		t.Fatalf("available without last seen: got %+v", got)
	}
}

// refusingPresence refuses subscriptions to one user.
type refusingPresence struct {
	fakePresence
	refuse types.JID
}

func (f *refusingPresence) SubscribePresence(ctx context.Context, j types.JID) error {
	_ = f.fakePresence.SubscribePresence(ctx, j)
	if j == f.refuse {
		return errors.New("refused")
	}
	return nil
}

// TestPresenceRenewedOnReconnect: WhatsApp forgets a connection's presence
// and subscriptions when it drops; after a reconnect the engine sends the
// presence last set and every subscription again, and drops the one
// WhatsApp refuses now.
func TestPresenceRenewedOnReconnect(t *testing.T) {
	e := &Engine{log: slog.New(slog.DiscardHandler), presence: gateway.PresenceAvailable,
		subscribed: map[types.JID]struct{}{otherUser: {}, aGroup: {}}}
	f := &refusingPresence{refuse: aGroup}
	e.renewPresence(t.Context(), f)
	if len(f.sent) != 1 || f.sent[0] != types.PresenceAvailable {
		t.Fatalf("presence sent again: %v, want available once", f.sent)
	}
	if len(f.subscribed) != 2 {
		t.Fatalf("subscriptions sent again: %v, want both", f.subscribed)
	}
	if _, kept := e.subscribed[otherUser]; !kept || len(e.subscribed) != 1 {
		t.Fatalf("after the renewal the engine keeps %v, want only the accepted subscription", e.subscribed)
	}
	// Nothing set: nothing sent.
	idle := &Engine{log: slog.New(slog.DiscardHandler), subscribed: map[types.JID]struct{}{}}
	g := &fakePresence{}
	idle.renewPresence(t.Context(), g)
	if len(g.sent)+len(g.subscribed) != 0 {
		t.Fatalf("an engine with no presence set sent %v and %v", g.sent, g.subscribed)
	}
}
