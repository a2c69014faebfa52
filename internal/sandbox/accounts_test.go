package sandbox

import (
	"context"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestContactsCarrySavedNames: a session's contacts are the tenant's other
// sandbox accounts and its address book's people (those of its seeded
// history), the latter with the names the account holder saved them
// under, distinct from their push names; a sandbox account that is also
// in the address book has both.
func TestContactsCarrySavedNames(t *testing.T) {
	ctx := context.Background()
	opts := Options{Accounts: NewMemAccounts()}
	const me = "15550001111"
	saved := historyContact(me, 0) // in me's address book, and a sandbox session of the tenant
	a := connected(t, me, opts)
	connected(t, "15550002222", opts)
	connected(t, saved, opts)

	cs, err := a.e.Contacts(ctx)
	if err != nil {
		t.Fatalf("Contacts: %v", err)
	}
	byPhone := map[string]gateway.ContactInfo{}
	for _, c := range cs {
		byPhone[c.Phone] = c
	}
	if len(cs) != 2+len(historyNames)-1 || len(byPhone) != len(cs) {
		t.Fatalf("got %d contacts (%+v), want the 2 other accounts and the other %d people of the address book", len(cs), cs, len(historyNames)-1)
	}
	if c := byPhone["15550002222"]; c.SavedName != "" || c.PushName == "" {
		t.Errorf("a sandbox account outside the address book: got %+v, want its push name and no saved name", c)
	}
	if c := byPhone[saved]; c.SavedName != historySavedNames[0] || c.PushName == "" || c.PushName == c.SavedName {
		t.Errorf("a sandbox account in the address book: got %+v, want saved name %q beside its own push name", c, historySavedNames[0])
	}
	for k := 1; k < len(historyNames); k++ {
		p := historyContact(me, k)
		c := byPhone[p]
		if c.SavedName != historySavedNames[k] || c.PushName != historyNames[k] || c.JID != p+"@s.whatsapp.net" || c.LID != derivedLID(p) {
			t.Errorf("address book entry %d: got %+v, want %s saved as %q, push name %q, with its LID", k, c, p, historySavedNames[k], historyNames[k])
		}
	}
	// The seeded history's chats are with the people of the address book.
	for _, b := range seedHistory(me, 7, 0, a.clock.Now()) {
		for _, ch := range b.Chats {
			if c, ok := byPhone[ch.JID[:len(ch.JID)-len("@s.whatsapp.net")]]; !ok || c.SavedName == "" {
				t.Errorf("history chat %s: got contact %+v, want one with a saved name", ch.JID, c)
			}
		}
	}
	// One contact's details carry the saved name too.
	one, err := a.e.GetContact(ctx, historyContact(me, 2)+"@s.whatsapp.net", "")
	if err != nil || one.SavedName != historySavedNames[2] || one.PushName != historyNames[2] {
		t.Fatalf("GetContact of an address book entry: got %+v (%v)", one, err)
	}
	if one, err := a.e.GetContact(ctx, "15550007777@s.whatsapp.net", ""); err != nil || one.SavedName != "" {
		t.Fatalf("GetContact of a number outside the address book: got %+v (%v), want no saved name", one, err)
	}
}
