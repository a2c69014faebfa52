package gateway

import (
	"context"
	"time"
)

// History sync: after pairing, WhatsApp pushes the account's recent past
// (chats with their state, and messages) to the new device. The engines
// turn it into EvHistorySync batches (whatsmeow downloads and converts the
// blobs; the sandbox seeds a plausible history), bounded to the last
// HISTORY_SYNC_DAYS days, and the worker stores each batch in one
// transaction: chats, messages marked history (never announced as new
// messages, never counted in usage), and the session's progress; the last
// batch writes a history.sync event.

// EventHistorySync says a session's history sync finished.
const EventHistorySync = "history.sync"

// History sync states of a session.
const (
	HistorySyncing = "syncing" // batches are arriving
	HistoryDone    = "done"    // the last batch is stored
	HistoryOff     = "off"     // HISTORY_SYNC_DAYS is 0: nothing is stored
)

// HistorySync is a session's history sync progress.
type HistorySync struct {
	Status   string `json:"status" desc:"syncing, done, or off (HISTORY_SYNC_DAYS=0)."`
	Chats    int    `json:"chats" desc:"Chats stored so far."`
	Messages int    `json:"messages" desc:"Messages stored so far."`
	Progress int    `json:"progress" desc:"How far WhatsApp says the sync is, 0 to 100."`
}

// HistoryChat is one chat as history sync tells it.
type HistoryChat struct {
	JID         string
	Name        string
	UnreadCount int
	Archived    bool
	Pinned      bool
	// Muted with MuteUntil nil is muted forever.
	Muted         bool
	MuteUntil     *time.Time
	LastMessageAt time.Time
}

// EvHistorySync is one batch of the history WhatsApp pushed. Progress is
// 0 to 100; Done marks the last batch. Off says no history is kept
// (HISTORY_SYNC_DAYS=0), with no chats or messages.
type EvHistorySync struct {
	Chats    []HistoryChat
	Messages []*InboundMessage
	Progress int
	Done     bool
	Off      bool
}

func (EvHistorySync) engineEvent() {}

// HistoryBatch is one batch to store: chats, and messages already built
// (History set, status received or sent).
type HistoryBatch struct {
	Chats    []HistoryChat
	Messages []*Message
	Progress int
	Done     bool
	Off      bool
}

// HistorySyncData is the data of a history.sync event.
type HistorySyncData struct {
	SessionID string `json:"session_id" desc:"The session whose history was synced."`
	HistorySync
}

// HistoryStore keeps what history sync brings.
type HistoryStore interface {
	// StoreHistory stores a batch in one transaction: its chats (their
	// name, unread count and flags), its messages (a message stored
	// already is skipped), and the session's progress; events are written
	// with it. It returns the session's progress after the batch.
	// CodeNotFound when the session is absent or another tenant's.
	StoreHistory(ctx context.Context, userID, sessionID string, b HistoryBatch, events func(HistorySync) []*Event) (HistorySync, error)
}
