package gateway

import (
	"context"
	"time"
)

// Roles of a user.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// User states.
const (
	UserActive    = "active"
	UserSuspended = "suspended"
)

// User is a tenant: every session, message, webhook and key belongs to one.
type User struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	Phone         string `json:"phone,omitempty"`
	Role          string `json:"role"`
	Status        string `json:"status"`
	PlanID        string `json:"plan_id"`
	EmailVerified bool   `json:"email_verified"`
	PasswordHash  string `json:"-"`
	// TokenVersion is carried in every JWT issued to the user; a token of
	// an older version is refused. A password reset, a password change and
	// a suspension raise it, revoking every earlier token.
	TokenVersion int64     `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Plan is what a tenant pays for and the limits that come with it. A zero
// limit means "none allowed"; a negative limit means unlimited.
type Plan struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	PriceCents int64        `json:"price_cents"`
	Currency   string       `json:"currency"`
	Limits     PlanLimits   `json:"limits"`
	Features   PlanFeatures `json:"features"`
	Overage    PlanOverage  `json:"overage"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

// PlanLimits are the quotas of a plan; negative means unlimited.
type PlanLimits struct {
	Sessions          int   `json:"sessions"`
	Instances         int   `json:"instances"`
	MessagesPerMonth  int   `json:"messages_per_month"`
	Webhooks          int   `json:"webhooks"`
	APIKeys           int   `json:"api_keys"`
	RequestsPerMinute int   `json:"requests_per_minute"`
	MediaBytes        int64 `json:"media_bytes"`
}

// PlanFeatures are the capabilities a plan unlocks.
type PlanFeatures struct {
	Engines  []string `json:"engines"`
	Webhooks bool     `json:"webhooks"`
	APIKeys  bool     `json:"api_keys"`
}

// APIKey authenticates a tenant without a password. Only its SHA-256 hash is
// stored; Key is set once, in the response that creates it.
type APIKey struct {
	ID         string     `json:"id"`
	UserID     string     `json:"-"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Hash       string     `json:"-"`
	Scopes     []string   `json:"scopes"`
	SessionID  string     `json:"session_id,omitempty"`
	Key        string     `json:"key,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// UserFilter selects users for the admin list.
type UserFilter struct {
	Query  string // substring of email or name
	Status string
	Page
}

// UserStore keeps users and plans.
type UserStore interface {
	// CreateUser inserts u, filling ID and timestamps when empty. CodeConflict
	// when the email is taken (emails compare case-insensitively).
	CreateUser(ctx context.Context, u *User) error
	// UserByID returns a user; CodeNotFound when absent.
	UserByID(ctx context.Context, id string) (*User, error)
	// UserByEmail returns a user by email, case-insensitively; CodeNotFound when absent.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UpdateUser saves name, phone, role, status, plan, email_verified and
	// password hash of u, and its token version when higher than the stored
	// one (a version never goes down, so a stale copy cannot bring revoked
	// tokens back). CodeNotFound when absent.
	UpdateUser(ctx context.Context, u *User) error
	// ListUsers lists users by filter, newest first, with the total count.
	ListUsers(ctx context.Context, f UserFilter) ([]*User, int, error)

	// UpsertPlan inserts or replaces a plan by ID.
	UpsertPlan(ctx context.Context, p *Plan) error
	// PlanByID returns a plan; CodeNotFound when absent.
	PlanByID(ctx context.Context, id string) (*Plan, error)
	// ListPlans lists every plan by price.
	ListPlans(ctx context.Context) ([]*Plan, error)
}

// APIKeyStore keeps API keys.
type APIKeyStore interface {
	// CreateAPIKey inserts k (ID and CreatedAt filled when empty). CodeConflict on a duplicate hash.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// CreateAPIKeyWithin is CreateAPIKey refused with CodeQuotaExceeded
	// when the tenant already has max keys not revoked (max < 0: no cap),
	// counted in the insert's own transaction.
	CreateAPIKeyWithin(ctx context.Context, k *APIKey, max int) error
	// APIKeyByHash returns the key with that hash, revoked or not; CodeNotFound when absent.
	// It is the one lookup not scoped by tenant: it is how the tenant is found.
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// ListAPIKeys lists a tenant's keys, newest first, with the total count.
	ListAPIKeys(ctx context.Context, userID string, p Page) ([]*APIKey, int, error)
	// RevokeAPIKey marks a tenant's key revoked; CodeNotFound when absent or another tenant's.
	RevokeAPIKey(ctx context.Context, userID, id string, at time.Time) error
	// TouchAPIKey records the key's last use.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
	// CountAPIKeys counts a tenant's keys that are not revoked.
	CountAPIKeys(ctx context.Context, userID string) (int, error)
}
