package gateway

import "context"

// Store is the product's database: one interface, a SQLite and a PostgreSQL
// adapter, both passing the behaviour suite in internal/storetest.
type Store interface {
	UserStore
	APIKeyStore
	SessionStore
	InstanceStore
	MessageStore
	PollStore
	ReceiptStore
	EventStore
	WebhookStore
	DeliveryStore
	SaaSStore
	AccountOperationStore
	ChatStore
	LabelStore
	HistoryStore
	// Ping checks the database answers; CodeUnavailable when it does not.
	Ping(ctx context.Context) error
	// Dialect names the database ("sqlite" or "postgres").
	Dialect() string
	// Close releases the database.
	Close() error
}
