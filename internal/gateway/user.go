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
	ID            string `json:"id" desc:"The account's id (UUID)."`
	Email         string `json:"email" desc:"The login address."`
	Name          string `json:"name" desc:"The account holder's name."`
	Phone         string `json:"phone,omitempty" desc:"A contact phone number."`
	Role          string `json:"role" desc:"user or admin."`
	Status        string `json:"status" desc:"active or suspended."`
	PlanID        string `json:"plan_id" desc:"The plan the account is on."`
	EmailVerified bool   `json:"email_verified" desc:"true once the address was verified by mail."`
	PasswordHash  string `json:"-"`
	// TokenVersion is carried in every JWT issued to the user; a token of
	// an older version is refused. A password reset, a password change and
	// a suspension raise it, revoking every earlier token.
	TokenVersion int64     `json:"-"`
	CreatedAt    time.Time `json:"created_at" desc:"When the account was made."`
	UpdatedAt    time.Time `json:"updated_at" desc:"When it last changed."`
}

// Plan is what a tenant pays for and the limits that come with it. A zero
// limit means "none allowed"; a negative limit means unlimited.
type Plan struct {
	ID         string       `json:"id" desc:"The plan's id, a slug (free, starter, …)."`
	Name       string       `json:"name" desc:"The plan's display name."`
	PriceCents int64        `json:"price_cents" desc:"The price of a period, in cents of currency."`
	Currency   string       `json:"currency" desc:"ISO 4217 currency code."`
	Limits     PlanLimits   `json:"limits" desc:"What an account on the plan may hold and send."`
	Features   PlanFeatures `json:"features" desc:"What the plan turns on."`
	Overage    PlanOverage  `json:"overage" desc:"The price of messages past the monthly limit; without one the limit is hard."`
	CreatedAt  time.Time    `json:"created_at" desc:"When the plan was created."`
	UpdatedAt  time.Time    `json:"updated_at" desc:"When it last changed."`
}

// PlanLimits are the quotas of a plan; negative means unlimited.
type PlanLimits struct {
	Sessions          int   `json:"sessions" desc:"Sessions an account may hold. Negative: unlimited."`
	Instances         int   `json:"instances" desc:"Running instances. Negative: unlimited."`
	MessagesPerMonth  int   `json:"messages_per_month" desc:"Messages sent per UTC month. Negative: unlimited."`
	Webhooks          int   `json:"webhooks" desc:"Webhook endpoints. Negative: unlimited."`
	APIKeys           int   `json:"api_keys" desc:"Active API keys. Negative: unlimited."`
	RequestsPerMinute int   `json:"requests_per_minute" desc:"API requests per minute. Negative: unlimited."`
	MediaBytes        int64 `json:"media_bytes" desc:"Largest media file, in bytes. Negative: unlimited."`
}

// PlanFeatures are the capabilities a plan unlocks.
type PlanFeatures struct {
	Engines  []string `json:"engines" desc:"The WhatsApp engines the plan may use."`
	Webhooks bool     `json:"webhooks" desc:"Webhook endpoints allowed."`
	APIKeys  bool     `json:"api_keys" desc:"API keys allowed."`
}

// APIKey authenticates a tenant without a password. Only its SHA-256 hash is
// stored; Key is set once, in the response that creates it.
type APIKey struct {
	ID         string     `json:"id" desc:"The key's id (UUID)."`
	UserID     string     `json:"-"`
	Name       string     `json:"name" desc:"The name given at creation."`
	Prefix     string     `json:"prefix" desc:"The key's first characters (wsa_…), to recognise it."`
	Hash       string     `json:"-"`
	Scopes     []string   `json:"scopes" desc:"What the key may do: * (everything), read, send."`
	SessionID  string     `json:"session_id,omitempty" desc:"The one session the key is bound to; absent: the whole account."`
	Key        string     `json:"key,omitempty" desc:"The secret key, in the creation answer only."`
	LastUsedAt *time.Time `json:"last_used_at" desc:"When the key was last used."`
	ExpiresAt  *time.Time `json:"expires_at" desc:"When the key stops working; null: never."`
	RevokedAt  *time.Time `json:"revoked_at" desc:"When the key was revoked; null: it was not."`
	CreatedAt  time.Time  `json:"created_at" desc:"When the key was created."`
}

// UserFilter selects users for the admin list.
type UserFilter struct {
	Query  string // substring of email or name, or the user's id
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
