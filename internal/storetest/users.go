package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func testUsers(t *testing.T, s gateway.Store) {
	u := &gateway.User{Email: "  Alice@Example.COM ", Name: "Alice", Phone: "15550001111", PlanID: "free",
		PasswordHash: "h1"}
	must(t, s.CreateUser(ctx(t), u))
	if u.ID == "" || u.CreatedAt.IsZero() || u.UpdatedAt.IsZero() {
		t.Fatalf("got id %q, created %v, updated %v; want them filled", u.ID, u.CreatedAt, u.UpdatedAt)
	}
	if u.Email != "alice@example.com" || u.Role != gateway.RoleUser || u.Status != gateway.UserActive {
		t.Fatalf("got email %q role %q status %q, want alice@example.com, user, active", u.Email, u.Role, u.Status)
	}

	got, err := s.UserByID(ctx(t), u.ID)
	must(t, err)
	diff(t, "UserByID", got, u)
	for _, email := range []string{"alice@example.com", "ALICE@example.com", " Alice@Example.Com"} {
		got, err := s.UserByEmail(ctx(t), email)
		must(t, err)
		diff(t, "UserByEmail("+email+")", got, u)
	}

	t.Run("duplicate email, any case", func(t *testing.T) {
		wantCode(t, s.CreateUser(ctx(t), &gateway.User{Email: "ALICE@example.com", Name: "Other"}), gateway.CodeConflict)
	})
	t.Run("absent", func(t *testing.T) {
		_, err := s.UserByID(ctx(t), uuid.NewString())
		wantCode(t, err, gateway.CodeNotFound)
		_, err = s.UserByID(ctx(t), "not-a-uuid")
		wantCode(t, err, gateway.CodeNotFound)
		_, err = s.UserByEmail(ctx(t), "nobody@example.com")
		wantCode(t, err, gateway.CodeNotFound)
		wantCode(t, s.UpdateUser(ctx(t), &gateway.User{ID: uuid.NewString(), Email: "x@example.com"}), gateway.CodeNotFound)
	})
	t.Run("update", func(t *testing.T) {
		upd := *u
		upd.Name, upd.Phone, upd.Role, upd.Status = "Alice B", "15550002222", gateway.RoleAdmin, gateway.UserSuspended
		upd.PlanID, upd.EmailVerified, upd.PasswordHash = "pro", true, "h2"
		upd.Email = "changed@example.com" // not saved: the email is not updatable here
		must(t, s.UpdateUser(ctx(t), &upd))
		got, err := s.UserByID(ctx(t), u.ID)
		must(t, err)
		want := upd
		want.Email = u.Email
		diff(t, "updated user", got, &want)
		if got.UpdatedAt.Before(u.UpdatedAt) {
			t.Fatalf("got updated_at %v, want not before %v", got.UpdatedAt, u.UpdatedAt)
		}
	})
	t.Run("token version only goes up", func(t *testing.T) {
		v := &gateway.User{Email: "versions@example.com", Name: "V", PasswordHash: "h"}
		must(t, s.CreateUser(ctx(t), v))
		got, err := s.UserByID(ctx(t), v.ID)
		must(t, err)
		if got.TokenVersion != 0 {
			t.Fatalf("new user: got token version %d, want 0", got.TokenVersion)
		}
		stale := *got // read before the revocation below
		got.TokenVersion++
		must(t, s.UpdateUser(ctx(t), got))
		// A writer holding the user as it was before (a plan change, say)
		// must not bring revoked tokens back.
		stale.Name = "V2"
		must(t, s.UpdateUser(ctx(t), &stale))
		got, err = s.UserByID(ctx(t), v.ID)
		must(t, err)
		if got.TokenVersion != 1 || got.Name != "V2" {
			t.Fatalf("got token version %d name %q, want 1 and V2", got.TokenVersion, got.Name)
		}
	})
}

func testListUsers(t *testing.T, s gateway.Store) {
	mk := func(email, name, status string, minute int) *gateway.User {
		u := &gateway.User{Email: email, Name: name, Status: status, CreatedAt: at(minute)}
		must(t, s.CreateUser(ctx(t), u))
		return u
	}
	ann := mk("ann@example.com", "Ann Smith", gateway.UserActive, 1)
	bob := mk("bob@example.com", "Bob Jones", gateway.UserSuspended, 2)
	cat := mk("cat@other.org", "Cat 100% Smith", gateway.UserActive, 3)
	dan := mk("dan@example.com", "Dan_Brown", gateway.UserActive, 4)

	uid := func(u *gateway.User) string { return u.ID }
	runFilters(t, "user ids", uid, func(t *testing.T, f gateway.UserFilter) ([]*gateway.User, int, error) {
		return s.ListUsers(ctx(t), f)
	}, []filterCase[gateway.UserFilter]{
		{"all newest first", gateway.UserFilter{}, []string{dan.ID, cat.ID, bob.ID, ann.ID}, 4},
		{"name substring any case", gateway.UserFilter{Query: "SMITH"}, []string{cat.ID, ann.ID}, 2},
		{"email substring", gateway.UserFilter{Query: "other.org"}, []string{cat.ID}, 1},
		{"percent is literal", gateway.UserFilter{Query: "%"}, []string{cat.ID}, 1},
		{"underscore is literal", gateway.UserFilter{Query: "_"}, []string{dan.ID}, 1},
		{"status", gateway.UserFilter{Status: gateway.UserSuspended}, []string{bob.ID}, 1},
		{"page 2 of 2", gateway.UserFilter{Page: gateway.Page{Page: 2, Limit: 3}}, []string{ann.ID}, 4},
		{"page past the end", gateway.UserFilter{Page: gateway.Page{Page: 5, Limit: 3}}, []string{}, 4},
		{"no match", gateway.UserFilter{Query: "zzz"}, []string{}, 0},
		{"id", gateway.UserFilter{Query: bob.ID}, []string{bob.ID}, 1},
		{"id in capitals, spaced", gateway.UserFilter{Query: " " + strings.ToUpper(bob.ID) + " "}, []string{bob.ID}, 1},
	})
}

func testPlans(t *testing.T, s gateway.Store) {
	free := &gateway.Plan{ID: "free", Name: "Free", Currency: "USD",
		Limits:   gateway.PlanLimits{Sessions: 1, Instances: 1, MessagesPerMonth: 100, Webhooks: 1, APIKeys: 1, RequestsPerMinute: 60, MediaBytes: 1 << 20},
		Features: gateway.PlanFeatures{Engines: []string{"sandbox"}}}
	pro := &gateway.Plan{ID: "pro", Name: "Pro", PriceCents: 4900, Currency: "USD",
		Limits:   gateway.PlanLimits{Sessions: 10, Instances: 10, MessagesPerMonth: -1, Webhooks: 10, APIKeys: 10, RequestsPerMinute: 600, MediaBytes: -1},
		Features: gateway.PlanFeatures{Engines: []string{"sandbox", "whatsmeow"}, Webhooks: true, APIKeys: true}}
	starter := &gateway.Plan{ID: "starter", Name: "Starter", PriceCents: 900, Currency: "USD"}
	for _, p := range []*gateway.Plan{pro, free, starter} {
		must(t, s.UpsertPlan(ctx(t), p))
	}
	got, err := s.PlanByID(ctx(t), "pro")
	must(t, err)
	diff(t, "PlanByID", got, pro)

	list, err := s.ListPlans(ctx(t))
	must(t, err)
	diff(t, "ListPlans", list, []*gateway.Plan{free, starter, pro})

	created := pro.CreatedAt
	repl := &gateway.Plan{ID: "pro", Name: "Pro 2", PriceCents: 5900, Currency: "EUR", Limits: pro.Limits,
		Features: gateway.PlanFeatures{Engines: []string{"whatsmeow"}}, UpdatedAt: created.Add(time.Hour)}
	must(t, s.UpsertPlan(ctx(t), repl))
	got, err = s.PlanByID(ctx(t), "pro")
	must(t, err)
	want := *repl
	want.CreatedAt = created
	diff(t, "replaced plan", got, &want)

	_, err = s.PlanByID(ctx(t), "enterprise")
	wantCode(t, err, gateway.CodeNotFound)
}

func testAPIKeys(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	other := newUser(t, s)
	sess := newSession(t, s, u.ID)
	k1 := &gateway.APIKey{UserID: u.ID, Name: "ci", Prefix: "wsa_ab", Hash: "hash-1", Scopes: []string{"messages:send"},
		ExpiresAt: ptr(at(1000)), CreatedAt: at(1)}
	k2 := &gateway.APIKey{UserID: u.ID, Name: "bot", Prefix: "wsa_cd", Hash: "hash-2", Scopes: []string{},
		SessionID: sess.ID, CreatedAt: at(2)}
	k3 := &gateway.APIKey{UserID: other.ID, Name: "theirs", Prefix: "wsa_ef", Hash: "hash-3", CreatedAt: at(3)}
	for _, k := range []*gateway.APIKey{k1, k2, k3} {
		must(t, s.CreateAPIKey(ctx(t), k))
		if k.ID == "" {
			t.Fatal("got empty key id, want it filled")
		}
	}
	got, err := s.APIKeyByHash(ctx(t), "hash-2")
	must(t, err)
	diff(t, "APIKeyByHash", got, k2)

	wantCode(t, s.CreateAPIKey(ctx(t), &gateway.APIKey{UserID: u.ID, Name: "dup", Hash: "hash-1"}), gateway.CodeConflict)
	wantCode(t, s.CreateAPIKey(ctx(t), &gateway.APIKey{UserID: uuid.NewString(), Name: "orphan", Hash: "hash-9"}), gateway.CodeNotFound)
	_, err = s.APIKeyByHash(ctx(t), "hash-none")
	wantCode(t, err, gateway.CodeNotFound)

	wantPage(t, "ListAPIKeys", []*gateway.APIKey{k2, k1}, 2)(s.ListAPIKeys(ctx(t), u.ID, gateway.Page{Page: 1, Limit: 10}))
	wantPage(t, "ListAPIKeys page 2", []*gateway.APIKey{k1}, 2)(s.ListAPIKeys(ctx(t), u.ID, gateway.Page{Page: 2, Limit: 1}))

	wantCount(t, 2, "keys")(s.CountAPIKeys(ctx(t), u.ID))
	wantCode(t, s.RevokeAPIKey(ctx(t), other.ID, k1.ID, at(10)), gateway.CodeNotFound)
	wantCode(t, s.RevokeAPIKey(ctx(t), u.ID, uuid.NewString(), at(10)), gateway.CodeNotFound)
	must(t, s.RevokeAPIKey(ctx(t), u.ID, k1.ID, at(10)))
	must(t, s.RevokeAPIKey(ctx(t), u.ID, k1.ID, at(20))) // a second revocation keeps the first time
	wantCount(t, 1, "unrevoked keys")(s.CountAPIKeys(ctx(t), u.ID))
	must(t, s.TouchAPIKey(ctx(t), k1.ID, at(30)))
	wantCode(t, s.TouchAPIKey(ctx(t), uuid.NewString(), at(30)), gateway.CodeNotFound)
	got, err = s.APIKeyByHash(ctx(t), "hash-1") // revoked keys are still found: the caller refuses them
	must(t, err)
	want := *k1
	want.RevokedAt, want.LastUsedAt = ptr(at(10)), ptr(at(30))
	diff(t, "revoked and touched key", got, &want)
}
