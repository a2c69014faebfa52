package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The sandbox keeps its shared records (accounts, groups, channels) as
// the product's database keeps rows another process may change: each is
// saved only over the version it was read at, and a change that lost the
// race is made again on the record read anew.

// versioned is the version a record was read at, which its save must
// still find.
type versioned struct{ version int64 }

func (v *versioned) readAt(version int64) { v.version = version }

// groupBookRecords decodes the tenant's records of the group book whose
// JID keep takes (the book keeps groups and channels), each with the
// version it was read at; what names them in errors.
func groupBookRecords[T any, P interface {
	*T
	readAt(int64)
}](ctx context.Context, e *Engine, what string, keep func(jid string) bool) ([]P, error) {
	recs, err := e.opts.Groups.SandboxGroups(ctx, e.cfg.UserID)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The sandbox's "+what+"s are unavailable.")
	}
	out := make([]P, 0, len(recs))
	for _, r := range recs {
		if !keep(r.JID) {
			continue
		}
		p := P(new(T))
		if err := json.Unmarshal(r.Data, p); err != nil {
			return nil, fmt.Errorf("sandbox %s %s: %w", what, r.JID, err)
		}
		p.readAt(r.Version)
		out = append(out, p)
	}
	return out, nil
}

// saveToGroupBook saves a group or channel (what) over the version it was
// read at.
func (e *Engine) saveToGroupBook(ctx context.Context, what, jid string, rec any, version int64) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode sandbox %s: %w", what, err)
	}
	return e.opts.Groups.SaveSandboxGroup(ctx, e.cfg.UserID, gateway.SandboxGroup{JID: jid, Data: b, Version: version})
}

// retryChange reads a record, applies change and saves it, reading it
// again and retrying when another session changed it meanwhile; what
// names the record when it keeps changing.
func retryChange[R any](what string, read func() (R, error), change func(R) error, save func(R) error) (R, error) {
	var zero R
	for range 5 {
		r, err := read()
		if err != nil {
			return zero, err
		}
		if err := change(r); err != nil {
			return zero, err
		}
		err = save(r)
		if gateway.IsCode(err, gateway.CodeConflict) {
			continue
		}
		return r, err
	}
	return zero, gateway.Errorf(gateway.CodeUnavailable, "The %s is changing too fast; try again.", what)
}

// visible lists the records the account sees (sees), as it sees them;
// never nil.
func visible[R interface{ view(me string) V }, V any](ctx context.Context, e *Engine,
	list func(context.Context) ([]R, error), sees func(r R, me string) bool) ([]V, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	rs, err := list(ctx)
	if err != nil {
		return nil, err
	}
	out := []V{}
	for _, r := range rs {
		if sees(r, me) {
			out = append(out, r.view(me))
		}
	}
	return out, nil
}

// memBook keeps each tenant's records of one kind in memory, for one
// process; fields gives a record's key, data and version.
type memBook[R any] struct {
	mu      sync.Mutex
	what    string                  // the record's name, for CodeConflict
	records map[string]map[string]R // tenant -> key -> record
	fields  func(r *R) (key string, data *[]byte, version *int64)
}

func newMemBook[R any](what string, fields func(r *R) (string, *[]byte, *int64)) memBook[R] {
	return memBook[R]{what: what, records: map[string]map[string]R{}, fields: fields}
}

// list returns tenant's records, by key, each with its own copy of data.
func (b *memBook[R]) list(tenant string) []R {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []R
	for _, r := range b.records[tenant] {
		_, data, _ := b.fields(&r)
		*data = slices.Clone(*data)
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y R) int {
		kx, _, _ := b.fields(&x)
		ky, _, _ := b.fields(&y)
		return strings.Compare(kx, ky)
	})
	return out
}

// save stores r (version 0: a new one) if its version is the stored one;
// CodeConflict otherwise.
func (b *memBook[R]) save(tenant string, r R) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.records[tenant]
	if t == nil {
		t = map[string]R{}
		b.records[tenant] = t
	}
	key, data, version := b.fields(&r)
	cur, ok := t[key]
	_, _, curVersion := b.fields(&cur)
	if (ok && *curVersion != *version) || (!ok && *version != 0) {
		return gateway.Errorf(gateway.CodeConflict, "The %s changed meanwhile.", b.what)
	}
	*version++
	*data = slices.Clone(*data)
	t[key] = r
	return nil
}
