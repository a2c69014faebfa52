package whatsmeow

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/proto/waVnameCert"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// fakeContactStore is whatsmeow's contact store with fixed entries.
type fakeContactStore struct {
	store.ContactStore
	all map[types.JID]types.ContactInfo
}

func (f *fakeContactStore) GetAllContacts(context.Context) (map[types.JID]types.ContactInfo, error) {
	return f.all, nil
}
func (f *fakeContactStore) GetContact(_ context.Context, j types.JID) (types.ContactInfo, error) {
	return f.all[j], nil
}

// fixedLIDs is whatsmeow's LID map with fixed pairs.
type fixedLIDs struct {
	store.LIDStore
	pnToLID map[types.JID]types.JID
}

func (f *fixedLIDs) GetLIDForPN(_ context.Context, pn types.JID) (types.JID, error) {
	return f.pnToLID[pn], nil
}
func (f *fixedLIDs) GetPNForLID(_ context.Context, lid types.JID) (types.JID, error) {
	for pn, l := range f.pnToLID {
		if l == lid {
			return pn, nil
		}
	}
	return types.EmptyJID, nil
}
func (f *fixedLIDs) GetManyLIDsForPNs(_ context.Context, pns []types.JID) (map[types.JID]types.JID, error) {
	out := map[types.JID]types.JID{}
	for _, pn := range pns {
		if l, ok := f.pnToLID[pn]; ok {
			out[pn] = l
		}
	}
	return out, nil
}

// fakeContacts answers the user queries as WhatsApp would.
type fakeContacts struct {
	infos      map[types.JID]types.UserInfo
	pictures   map[types.JID]*types.ProfilePictureInfo
	blocked    []types.JID
	pictureAsk int
	err        error
}

func (f *fakeContacts) GetUserInfo(_ context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error) {
	out := map[types.JID]types.UserInfo{}
	for _, j := range jids {
		if i, ok := f.infos[j]; ok {
			out[j] = i
		}
	}
	return out, f.err
}
func (f *fakeContacts) GetProfilePictureInfo(_ context.Context, j types.JID, p *wa.GetProfilePictureParams) (*types.ProfilePictureInfo, error) {
	f.pictureAsk++
	pic, ok := f.pictures[j]
	switch {
	case !ok:
		return nil, wa.ErrProfilePictureNotSet
	case p != nil && p.ExistingID == pic.ID:
		return nil, nil
	}
	return pic, nil
}
func (f *fakeContacts) GetBlocklist(context.Context) (*types.Blocklist, error) {
	return &types.Blocklist{JIDs: f.blocked}, nil
}
func (f *fakeContacts) UpdateBlocklist(_ context.Context, j types.JID, a events.BlocklistChangeAction) (*types.Blocklist, error) {
	if f.err != nil {
		return nil, f.err
	}
	if a == events.BlocklistChangeActionBlock {
		f.blocked = append(f.blocked, j)
	} else {
		f.blocked = nil
	}
	return &types.Blocklist{JIDs: f.blocked}, nil
}

var (
	thirdUser = types.NewJID("15550003333", types.DefaultUserServer)
	thirdLID  = types.NewJID("223456789012345", types.HiddenUserServer)
	lidOnly   = types.NewJID("323456789012345", types.HiddenUserServer)
)

func contactFixture() contactStores {
	return contactStores{own: ownUser,
		contacts: &fakeContactStore{all: map[types.JID]types.ContactInfo{
			ownUser:   {Found: true, PushName: "Me"},
			otherUser: {Found: true, PushName: "Sara", FullName: "Sara (support)"},
			otherLID:  {Found: true, PushName: "Sara"},
			thirdLID:  {Found: true, BusinessName: "The Shop Ltd"},
			lidOnly:   {Found: true, PushName: "Hidden"},
		}},
		lids: &fixedLIDs{pnToLID: map[types.JID]types.JID{otherUser: otherLID, thirdUser: thirdLID}},
	}
}

// TestListContactsMergesLIDEntries: whatsmeow keeps a person under its
// phone JID and its LID; the list has one entry per person, with both,
// and leaves the account itself out.
func TestListContactsMergesLIDEntries(t *testing.T) {
	got, err := listContacts(t.Context(), contactFixture())
	if err != nil {
		t.Fatal(err)
	}
	want := []gateway.ContactInfo{
		{JID: "15550002222@s.whatsapp.net", Phone: "15550002222", LID: "123456789012345@lid", PushName: "Sara", SavedName: "Sara (support)"},
		{JID: "15550003333@s.whatsapp.net", Phone: "15550003333", LID: "223456789012345@lid", BusinessName: "The Shop Ltd", IsBusiness: true},
		{JID: "323456789012345@lid", LID: "323456789012345@lid", PushName: "Hidden"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("listContacts (-want +got):\n%s", d)
	}
}

// TestGetContact: the user query gives the about text, LID and picture
// id; the picture URL is fetched only when the picture changed; a LID is
// answered with its phone; an unknown number is not found.
func TestGetContact(t *testing.T) {
	name := "The Shop Ltd"
	f := &fakeContacts{
		infos: map[types.JID]types.UserInfo{
			otherUser: {Status: "Available", PictureID: "p1", LID: otherLID, Devices: []types.JID{otherUser}},
			thirdUser: {VerifiedName: &types.VerifiedName{Details: &waVnameCert.VerifiedNameCertificate_Details{VerifiedName: &name}},
				Devices: []types.JID{thirdUser}},
		},
		pictures: map[types.JID]*types.ProfilePictureInfo{otherUser: {ID: "p1", URL: "https://pps.whatsapp.net/p1.jpg"}},
		blocked:  []types.JID{thirdUser},
	}
	st := contactFixture()
	c, err := getContact(t.Context(), f, st, otherUser, "")
	no := false
	want := &gateway.ContactInfo{JID: "15550002222@s.whatsapp.net", Phone: "15550002222", LID: "123456789012345@lid", PushName: "Sara",
		SavedName: "Sara (support)", About: "Available", PictureID: "p1", PictureURL: "https://pps.whatsapp.net/p1.jpg", Blocked: &no}
	if err != nil || cmp.Diff(want, c) != "" {
		t.Fatalf("getContact: %v, (-want +got):\n%s", err, cmp.Diff(want, c))
	}
	// The cached picture is still current: no picture query, no URL.
	f.pictureAsk = 0
	c, err = getContact(t.Context(), f, st, otherLID, "p1")
	if err != nil || c.PictureID != "p1" || c.PictureURL != "" || f.pictureAsk != 0 || c.Phone != "15550002222" {
		t.Fatalf("by LID with the picture known: got %+v, %d picture asks (%v)", c, f.pictureAsk, err)
	}
	c, err = getContact(t.Context(), f, st, thirdUser, "")
	if err != nil || !c.IsBusiness || c.BusinessName != "The Shop Ltd" || c.Blocked == nil || !*c.Blocked {
		t.Fatalf("the business: got %+v (%v), want a blocked business", c, err)
	}
	if _, err := getContact(t.Context(), f, st, types.NewJID("15550009999", types.DefaultUserServer), ""); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("unknown number: got %v, want not_found", err)
	}
	f.err = &wa.IQError{Code: 503, Text: "service-unavailable"}
	if _, err := getContact(t.Context(), f, st, otherUser, ""); !gateway.IsCode(err, gateway.CodeRefused) {
		t.Fatalf("an IQ error: got %v, want whatsapp_refused", err)
	}
}

// TestLookupLID: the store answers both ways; a phone the store does not
// map is asked of WhatsApp; a LID nobody mapped is not found.
func TestLookupLID(t *testing.T) {
	f := &fakeContacts{infos: map[types.JID]types.UserInfo{
		types.NewJID("15550004444", types.DefaultUserServer): {LID: types.NewJID("423456789012345", types.HiddenUserServer)}}}
	st := contactFixture()
	cases := []struct {
		in   types.JID
		want gateway.LIDMapping
	}{
		{otherUser, gateway.LIDMapping{Phone: "15550002222", JID: "15550002222@s.whatsapp.net", LID: "123456789012345@lid", Source: gateway.SourceStore}},
		{otherLID, gateway.LIDMapping{Phone: "15550002222", JID: "15550002222@s.whatsapp.net", LID: "123456789012345@lid", Source: gateway.SourceStore}},
		{types.NewJID("15550004444", types.DefaultUserServer),
			gateway.LIDMapping{Phone: "15550004444", JID: "15550004444@s.whatsapp.net", LID: "423456789012345@lid", Source: gateway.SourceLive}},
	}
	for _, c := range cases {
		got, err := lookupLID(t.Context(), f, st, c.in)
		if err != nil || cmp.Diff(&c.want, got) != "" {
			t.Errorf("lookupLID(%s): %v (-want +got):\n%s", c.in, err, cmp.Diff(&c.want, got))
		}
	}
	if _, err := lookupLID(t.Context(), f, st, lidOnly); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Errorf("unmapped LID: got %v, want not_found", err)
	}
	if _, err := lookupLID(t.Context(), f, st, types.NewJID("15550009999", types.DefaultUserServer)); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Errorf("unknown number: got %v, want not_found", err)
	}
}

// TestContactEvents maps whatsmeow's user events to contact.update, and
// leaves out groups' pictures, the account's own changes and full syncs.
func TestContactEvents(t *testing.T) {
	full := "Sara (support)"
	cases := []struct {
		name string
		in   any
		want []string // contact:change:value
	}{
		{"push name", &events.PushName{JID: otherUser, NewPushName: "Sara"}, []string{"15550002222@s.whatsapp.net:push_name:Sara"}},
		{"about", &events.UserAbout{JID: otherLID, Status: "Busy"}, []string{"123456789012345@lid:about:Busy"}},
		{"picture", &events.Picture{JID: otherUser, PictureID: "p2"}, []string{"15550002222@s.whatsapp.net:picture:p2"}},
		{"group picture", &events.Picture{JID: aGroup, PictureID: "p3"}, nil},
		{"own picture", &events.Picture{JID: ownUser, PictureID: "p4"}, nil},
		{"business name", &events.BusinessName{JID: thirdUser, NewBusinessName: "Shop"}, []string{"15550003333@s.whatsapp.net:business_name:Shop"}},
		{"saved name", &events.Contact{JID: otherUser, Action: newContactAction(full)}, []string{"15550002222@s.whatsapp.net:saved_name:Sara (support)"}},
		{"saved names of a full sync", &events.Contact{JID: otherUser, Action: newContactAction(full), FromFullSync: true}, nil},
		{"block list", &events.Blocklist{Changes: []events.BlocklistChange{{JID: otherUser, Action: events.BlocklistChangeActionBlock},
			{JID: thirdUser, Action: events.BlocklistChangeActionUnblock}}},
			[]string{"15550002222@s.whatsapp.net:blocked:", "15550003333@s.whatsapp.net:unblocked:"}},
	}
	for _, c := range cases {
		evs, ok := contactEvents(c.in, ownUser)
		if !ok {
			t.Errorf("%s: not recognised", c.name)
		}
		var got []string
		for _, ev := range evs {
			d := ev.(gateway.EvContactUpdate).Data
			got = append(got, fmt.Sprintf("%s:%s:%s", d.Contact, d.Change, d.Value))
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
	if _, ok := contactEvents(&events.Connected{}, ownUser); ok {
		t.Error("a Connected event was taken for a contact event")
	}
}

func newContactAction(full string) *waSyncAction.ContactAction {
	return &waSyncAction.ContactAction{FullName: &full}
}

// TestRecipientLID: a send reports the recipient's LID from the LID map,
// the LID itself when sent to one, and none for a group or an unmapped number.
func TestRecipientLID(t *testing.T) {
	lids := &fixedLIDs{pnToLID: map[types.JID]types.JID{otherUser: otherLID}}
	for _, c := range []struct {
		to   types.JID
		want string
	}{
		{otherUser, "123456789012345@lid"},
		{types.NewADJID("15550002222", 0, 5), "123456789012345@lid"},
		{thirdLID, "223456789012345@lid"},
		{aGroup, ""},
		{thirdUser, ""},
	} {
		if got := recipientLID(t.Context(), lids, c.to); got != c.want {
			t.Errorf("recipientLID(%s) = %q, want %q", c.to, got, c.want)
		}
	}
}
