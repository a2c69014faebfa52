package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Groups in the sandbox. A tenant's groups live in a GroupBook (the
// product's database in the gateway, so sessions in every process share
// them, as WhatsApp's servers keep a group for all its members). A change
// is told to the other members over the Network, whose engines emit
// EvGroupUpdate or EvGroupParticipants, as WhatsApp notifies members; the
// session that made the change records its own event with the operation.
//
// Test numbers for participants:
//
//	any number ending in 0000   not on WhatsApp: not_on_whatsapp
//	any number ending in 0403   privacy refuses being added: invite_sent
//
// Rules WhatsApp applies and the sandbox simulates: only admins add,
// remove, promote or demote, change settings, or see and reset the invite
// link; only admins edit the subject and description of a locked group;
// the creator cannot be removed or demoted; in a group that needs join
// approval a join by link is a request that only admins see, approve or
// reject (the admins are told of a new one).

// GroupBook keeps the sandbox's groups of each tenant.
type GroupBook interface {
	// SandboxGroups returns tenant's groups.
	SandboxGroups(ctx context.Context, tenant string) ([]gateway.SandboxGroup, error)
	// SaveSandboxGroup creates g (Version 0) or replaces it if its stored
	// version is still g.Version; CodeConflict otherwise.
	SaveSandboxGroup(ctx context.Context, tenant string, g gateway.SandboxGroup) error
}

// MemGroups is a GroupBook in memory, for one process.
type MemGroups struct {
	book memBook[gateway.SandboxGroup] // by JID
}

var _ GroupBook = (*MemGroups)(nil)

// NewMemGroups returns an empty in-memory GroupBook.
func NewMemGroups() *MemGroups {
	return &MemGroups{book: newMemBook("group", func(g *gateway.SandboxGroup) (string, *[]byte, *int64) {
		return g.JID, &g.Data, &g.Version
	})}
}

// SandboxGroups returns tenant's groups, by JID.
func (m *MemGroups) SandboxGroups(_ context.Context, tenant string) ([]gateway.SandboxGroup, error) {
	return m.book.list(tenant), nil
}

// SaveSandboxGroup stores g if its version is the stored one.
func (m *MemGroups) SaveSandboxGroup(_ context.Context, tenant string, g gateway.SandboxGroup) error {
	return m.book.save(tenant, g)
}

// Roles of a sandbox group member.
const (
	roleMember     = "member"
	roleAdmin      = "admin"
	roleSuperAdmin = "superadmin"
)

// sbGroup is a sandbox group as the book keeps it.
type sbGroup struct {
	JID         string                `json:"jid"`
	Subject     string                `json:"subject"`
	Description string                `json:"description"`
	Owner       string                `json:"owner"` // phone
	CreatedAt   time.Time             `json:"created_at"`
	Members     map[string]string     `json:"members"` // phone -> role
	Settings    gateway.GroupSettings `json:"settings"`
	InviteCode  string                `json:"invite_code"`
	// Requests are the pending requests to join: phone -> when asked.
	Requests map[string]time.Time `json:"requests,omitempty"`
	versioned
}

func (g *sbGroup) isAdmin(phone string) bool {
	r := g.Members[phone]
	return r == roleAdmin || r == roleSuperAdmin
}

// view is the group as the account of phone sees it.
func (g *sbGroup) view(phone string) gateway.Group {
	created := g.CreatedAt
	out := gateway.Group{JID: g.JID, Subject: g.Subject, Description: g.Description, Owner: g.Owner + "@" + gateway.ServerUser,
		CreatedAt: &created, Settings: g.Settings, Participants: []gateway.GroupParticipant{}}
	phones := make([]string, 0, len(g.Members))
	for p := range g.Members {
		phones = append(phones, p)
	}
	slices.Sort(phones)
	for _, p := range phones {
		r := g.Members[p]
		out.Participants = append(out.Participants, gateway.GroupParticipant{JID: p + "@" + gateway.ServerUser, Phone: p,
			LID: derivedLID(p), IsAdmin: r != roleMember, IsSuperAdmin: r == roleSuperAdmin})
	}
	if g.isAdmin(phone) && g.InviteCode != "" {
		out.InviteLink = inviteLinkPrefix + g.InviteCode
	}
	return out
}

const inviteLinkPrefix = "https://chat.whatsapp.com/"

// groups reads the tenant's groups from the book.
func (e *Engine) groups(ctx context.Context) ([]*sbGroup, error) {
	// The channels kept in the same book are left out (see channels.go).
	return groupBookRecords[sbGroup](ctx, e, "group", func(jid string) bool { return strings.HasSuffix(jid, "@"+gateway.ServerGroup) })
}

// group returns one of the tenant's groups the account is in; CodeNotFound
// otherwise, as WhatsApp answers for a group one is not in.
func (e *Engine) group(ctx context.Context, jid, me string) (*sbGroup, error) {
	gs, err := e.groups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if g.JID == jid {
			if _, ok := g.Members[me]; !ok {
				break
			}
			return g, nil
		}
	}
	return nil, gateway.NotFound("Group")
}

// myGroup is group jid for an operation of the connected account, and the
// account's phone.
func (e *Engine) myGroup(ctx context.Context, jid string) (*sbGroup, string, error) {
	me, err := e.me()
	if err != nil {
		return nil, "", err
	}
	g, err := e.group(ctx, jid, me)
	if err != nil {
		return nil, "", err
	}
	return g, me, nil
}

func (e *Engine) saveGroup(ctx context.Context, g *sbGroup) error {
	return e.saveToGroupBook(ctx, "group", g.JID, g, g.version)
}

// changeGroup applies change to the group and saves it, reading it again
// and retrying when another session changed it meanwhile.
func (e *Engine) changeGroup(ctx context.Context, jid, me string, change func(g *sbGroup) error) (*sbGroup, error) {
	return retryChange("group", func() (*sbGroup, error) { return e.group(ctx, jid, me) }, change,
		func(g *sbGroup) error { return e.saveGroup(ctx, g) })
}

// me returns the account's phone, or CodeUnavailable when not connected.
func (e *Engine) me() (string, error) {
	e.mu.Lock()
	defer e.unlock()
	if !e.connected {
		return "", errNotConnected()
	}
	return e.phone, nil
}

// notify tells the group's members but the account (and also extra, for
// those who just left it) of a change.
func (e *Engine) notify(g *sbGroup, me string, env Envelope, extra ...string) {
	to := make([]string, 0, len(g.Members)+len(extra))
	for p := range g.Members {
		to = append(to, p)
	}
	e.tell(g, me, env, append(to, extra...))
}

// notifyAdmins tells the group's admins but the account of a change only
// they see (a join request).
func (e *Engine) notifyAdmins(g *sbGroup, me string, env Envelope) {
	var to []string
	for p := range g.Members {
		if g.isAdmin(p) {
			to = append(to, p)
		}
	}
	e.tell(g, me, env, to)
}

// tell delivers a group notice to the numbers in to but the account.
func (e *Engine) tell(g *sbGroup, me string, env Envelope, to []string) {
	if e.opts.Network == nil {
		return
	}
	env.Kind, env.FromPhone, env.Group, env.Timestamp = KindGroup, me, g.JID, time.Now().UTC()
	e.mu.Lock()
	defer e.unlock()
	for _, p := range to {
		if p == me {
			continue
		}
		e.publishLocked(func(ctx context.Context) error { return e.opts.Network.Deliver(ctx, e.cfg.UserID, p, env) })
	}
}

// receiveGroupLocked turns a group notice into the member's event.
func (e *Engine) receiveGroupLocked(env Envelope) {
	actor := env.FromPhone + "@" + gateway.ServerUser
	if env.Action != "" {
		e.offerLocked(gateway.EvGroupParticipants{Data: gateway.GroupParticipantsData{Group: env.Group, Action: env.Action,
			Actor: actor, Participants: env.Participants}}, 0, nil)
		return
	}
	e.offerLocked(gateway.EvGroupUpdate{Data: gateway.GroupUpdateData{Group: env.Group, Change: env.Change, Actor: actor}}, 0, nil)
}

// JoinedGroups lists the tenant's groups the account is in.
func (e *Engine) JoinedGroups(ctx context.Context) ([]gateway.Group, error) {
	return visible(ctx, e, e.groups, func(g *sbGroup, me string) bool {
		_, ok := g.Members[me]
		return ok
	})
}

// GroupInfo returns one group the account is in.
func (e *Engine) GroupInfo(ctx context.Context, jid string) (*gateway.Group, error) {
	g, me, err := e.myGroup(ctx, jid)
	if err != nil {
		return nil, err
	}
	v := g.view(me)
	return &v, nil
}

// CreateGroup creates a group owned by the account.
func (e *Engine) CreateGroup(ctx context.Context, r gateway.GroupCreateRequest) (*gateway.GroupCreateResult, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000_000))
	if err != nil {
		return nil, err
	}
	g := &sbGroup{JID: fmt.Sprintf("120363%012d@%s", n, gateway.ServerGroup), Subject: r.Subject, Owner: me,
		CreatedAt: time.Now().UTC().Truncate(time.Second), Members: map[string]string{me: roleSuperAdmin}, InviteCode: newInviteCode()}
	refuses, err := e.addRefusals(ctx, me)
	if err != nil {
		return nil, err
	}
	results := make([]gateway.ParticipantResult, 0, len(r.Participants))
	var added []string
	for _, jid := range r.Participants {
		res, phone := participantOf(jid)
		switch {
		case res.Status != "":
		case phone == me:
			continue
		default:
			res.Status = addStatus(phone, refuses)
			if res.Status == gateway.ParticipantOK {
				g.Members[phone] = roleMember
				added = append(added, res.JID)
			}
		}
		results = append(results, res)
	}
	if err := e.saveGroup(ctx, g); err != nil {
		return nil, err
	}
	if len(added) > 0 {
		e.notify(g, me, Envelope{Action: gateway.ParticipantAdd, Participants: added})
	}
	return &gateway.GroupCreateResult{Group: g.view(me), Participants: results}, nil
}

// participantOf parses a participant JID; a result with a Status set is
// refused already.
func participantOf(jid string) (gateway.ParticipantResult, string) {
	res := gateway.ParticipantResult{JID: jid}
	r, err := gateway.ParseRecipient(jid)
	if err != nil || r.Phone() == "" {
		res.Status, res.Error = gateway.ParticipantRefused, "sandbox: participants are phone numbers"
		return res, ""
	}
	res.JID, res.Phone = r.JID, r.Phone()
	return res, r.Phone()
}

// addStatus is what adding phone does: the test numbers refuse, and so do
// the tenant's accounts whose privacy refuses the adder (refuses).
func addStatus(phone string, refuses func(string) bool) string {
	switch {
	case NotOnWhatsApp(phone):
		return gateway.ParticipantNotOnWhatsApp
	case strings.HasSuffix(phone, "0403"), refuses(phone):
		return gateway.ParticipantInviteSent
	}
	return gateway.ParticipantOK
}

// UpdateGroup changes subject, description or settings.
func (e *Engine) UpdateGroup(ctx context.Context, r gateway.GroupUpdateRequest) (*gateway.Group, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	settings := r.Announce != nil || r.Locked != nil || r.JoinApproval != nil || r.EphemeralSeconds != nil
	g, err := e.changeGroup(ctx, r.Group, me, func(g *sbGroup) error {
		if !g.isAdmin(me) && (settings || g.Settings.Locked) {
			return gateway.Refused("only admins can change this group")
		}
		set(&g.Subject, r.Subject)
		set(&g.Description, r.Description)
		set(&g.Settings.Announce, r.Announce)
		set(&g.Settings.Locked, r.Locked)
		set(&g.Settings.JoinApproval, r.JoinApproval)
		set(&g.Settings.EphemeralSeconds, r.EphemeralSeconds)
		return nil
	})
	if err != nil {
		return nil, err
	}
	change := "info"
	switch {
	case r.Subject != nil && r.Description == nil && !settings:
		change = "subject"
	case r.Description != nil && r.Subject == nil && !settings:
		change = "description"
	case r.Subject == nil && r.Description == nil:
		change = "settings"
	}
	e.notify(g, me, Envelope{Change: change})
	v := g.view(me)
	return &v, nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// UpdateGroupParticipants adds, removes, promotes or demotes participants.
func (e *Engine) UpdateGroupParticipants(ctx context.Context, r gateway.GroupParticipantsRequest) ([]gateway.ParticipantResult, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	refuses := func(string) bool { return false }
	if r.Action == gateway.ParticipantAdd {
		if refuses, err = e.addRefusals(ctx, me); err != nil {
			return nil, err
		}
	}
	c, err := e.changeMembers(ctx, r.Group, me, "only admins can change the participants of this group", r.Participants,
		func(g *sbGroup, res *gateway.ParticipantResult, phone string) {
			role, member := g.Members[phone]
			res.Status = gateway.ParticipantOK
			switch {
			case r.Action == gateway.ParticipantAdd && member:
				res.Status = gateway.ParticipantAlreadyIn
			case r.Action == gateway.ParticipantAdd:
				if res.Status = addStatus(phone, refuses); res.Status == gateway.ParticipantOK {
					g.Members[phone] = roleMember
					delete(g.Requests, phone) // added: nothing left to approve
				}
			case !member:
				res.Status = gateway.ParticipantNotInGroup
			case role == roleSuperAdmin && r.Action != gateway.ParticipantPromote:
				res.Status, res.Error = gateway.ParticipantRefused, "the group's creator cannot be removed or demoted"
			case r.Action == gateway.ParticipantRemove:
				delete(g.Members, phone)
			case r.Action == gateway.ParticipantPromote && role == roleMember:
				g.Members[phone] = roleAdmin
			case r.Action == gateway.ParticipantDemote && role == roleAdmin:
				g.Members[phone] = roleMember
			}
		})
	if err != nil {
		return nil, err
	}
	var removed []string // no longer members, they are told too
	if r.Action == gateway.ParticipantRemove {
		removed = c.phones
	}
	if len(c.done) > 0 {
		e.notify(c.g, me, Envelope{Action: r.Action, Participants: c.done}, removed...)
	}
	return c.results, nil
}

// memberChange is what a change of some of a group's members did.
type memberChange struct {
	g       *sbGroup
	results []gateway.ParticipantResult // one a participant named
	done    []string                    // the JIDs of those changed
	phones  []string                    // and their phones
}

// changeMembers lets decide set each named participant's status and change
// the group for it, in one change of the group that only its admins may
// make (notAdmin: the refusal). A participant that is no phone number is
// refused without asking decide.
func (e *Engine) changeMembers(ctx context.Context, group, me, notAdmin string, participants []string,
	decide func(g *sbGroup, res *gateway.ParticipantResult, phone string)) (memberChange, error) {
	var c memberChange
	g, err := e.changeGroup(ctx, group, me, func(g *sbGroup) error {
		if !g.isAdmin(me) {
			return gateway.Refused(notAdmin)
		}
		c = memberChange{} // a retry starts again
		for _, jid := range participants {
			res, phone := participantOf(jid)
			if res.Status == "" {
				decide(g, &res, phone)
			}
			if res.Status == gateway.ParticipantOK {
				c.done, c.phones = append(c.done, res.JID), append(c.phones, phone)
			}
			c.results = append(c.results, res)
		}
		return nil
	})
	c.g = g
	return c, err
}

// GroupInviteLink returns the invite link, a new one when reset (admins only).
func (e *Engine) GroupInviteLink(ctx context.Context, jid string, reset bool) (string, error) {
	g, me, err := e.myGroup(ctx, jid)
	if err != nil {
		return "", err
	}
	if !g.isAdmin(me) {
		return "", gateway.Refused("only admins can see the invite link of this group")
	}
	if g.InviteCode != "" && !reset {
		return inviteLinkPrefix + g.InviteCode, nil
	}
	g, err = e.changeGroup(ctx, jid, me, func(g *sbGroup) error {
		if g.InviteCode == "" || reset {
			g.InviteCode = newInviteCode()
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return inviteLinkPrefix + g.InviteCode, nil
}

func newInviteCode() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString(b), "=")[:22]
}

// JoinGroup joins a group of the tenant by its invite link or code; in a
// group that needs approval it makes a join request instead.
func (e *Engine) JoinGroup(ctx context.Context, link string) (gateway.GroupJoinResult, error) {
	me, err := e.me()
	if err != nil {
		return gateway.GroupJoinResult{}, err
	}
	code := strings.TrimPrefix(strings.TrimSpace(link), inviteLinkPrefix)
	gs, err := e.groups(ctx)
	if err != nil {
		return gateway.GroupJoinResult{}, err
	}
	var jid string
	for _, g := range gs {
		if code != "" && g.InviteCode == code {
			jid = g.JID
		}
	}
	if jid == "" {
		return gateway.GroupJoinResult{}, gateway.Errorf(gateway.CodeNotFound, "No group has this invite link; it may have been reset.")
	}
	var joined, requested, pending bool
	g, err := e.changeGroupAny(ctx, jid, func(g *sbGroup) error {
		joined, requested, pending = false, false, false
		if _, ok := g.Members[me]; ok {
			return nil
		}
		if g.Settings.JoinApproval {
			// Asking again keeps the first request (and its time).
			pending = true
			if _, ok := g.Requests[me]; !ok {
				if g.Requests == nil {
					g.Requests = map[string]time.Time{}
				}
				g.Requests[me] = time.Now().UTC().Truncate(time.Second)
				requested = true
			}
			return nil
		}
		g.Members[me] = roleMember
		delete(g.Requests, me) // asked while approval was on
		joined = true
		return nil
	})
	if err != nil {
		return gateway.GroupJoinResult{}, err
	}
	switch {
	case joined:
		e.notify(g, me, Envelope{Action: gateway.ParticipantAdd, Participants: []string{me + "@" + gateway.ServerUser}})
	case requested:
		e.notifyAdmins(g, me, Envelope{Change: "join_requests"})
	}
	return gateway.GroupJoinResult{Group: jid, Pending: pending}, nil
}

// GroupRequests lists the group's pending join requests, oldest first
// (admins only).
func (e *Engine) GroupRequests(ctx context.Context, jid string) ([]gateway.GroupRequest, error) {
	g, me, err := e.myGroup(ctx, jid)
	if err != nil {
		return nil, err
	}
	if !g.isAdmin(me) {
		return nil, gateway.Refused("only admins can see the requests to join this group")
	}
	out := make([]gateway.GroupRequest, 0, len(g.Requests))
	for p, at := range g.Requests {
		out = append(out, gateway.GroupRequest{JID: p + "@" + gateway.ServerUser, Phone: p, LID: derivedLID(p), RequestedAt: &at})
	}
	slices.SortFunc(out, func(a, b gateway.GroupRequest) int {
		if c := a.RequestedAt.Compare(*b.RequestedAt); c != 0 {
			return c
		}
		return strings.Compare(a.JID, b.JID)
	})
	return out, nil
}

// UpdateGroupRequests approves (the requester becomes a member) or
// rejects (the request is dropped) pending join requests (admins only).
func (e *Engine) UpdateGroupRequests(ctx context.Context, r gateway.GroupRequestsRequest) ([]gateway.ParticipantResult, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	c, err := e.changeMembers(ctx, r.Group, me, "only admins can approve or reject requests to join this group", r.Participants,
		func(g *sbGroup, res *gateway.ParticipantResult, phone string) {
			_, asked := g.Requests[phone]
			_, member := g.Members[phone]
			delete(g.Requests, phone)
			switch {
			case !asked:
				res.Status = gateway.ParticipantNoRequest
			case member:
				res.Status = gateway.ParticipantAlreadyIn
			case r.Action == gateway.RequestApprove:
				g.Members[phone] = roleMember
				res.Status = gateway.ParticipantOK
			default:
				res.Status = gateway.ParticipantOK
			}
		})
	if err != nil {
		return nil, err
	}
	switch {
	case len(c.done) == 0:
	case r.Action == gateway.RequestApprove:
		// The approved are members now: they and the others see an add.
		e.notify(c.g, me, Envelope{Action: gateway.ParticipantAdd, Participants: c.done})
	default:
		e.notifyAdmins(c.g, me, Envelope{Change: "join_requests"})
	}
	return c.results, nil
}

// changeGroupAny is changeGroup for a group the account is not in yet.
func (e *Engine) changeGroupAny(ctx context.Context, jid string, change func(g *sbGroup) error) (*sbGroup, error) {
	return retryChange("group", func() (*sbGroup, error) {
		gs, err := e.groups(ctx)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(gs, func(g *sbGroup) bool { return g.JID == jid })
		if i < 0 {
			return nil, gateway.NotFound("Group")
		}
		return gs[i], nil
	}, change, func(g *sbGroup) error { return e.saveGroup(ctx, g) })
}

// LeaveGroup leaves a group the account is in.
func (e *Engine) LeaveGroup(ctx context.Context, jid string) error {
	me, err := e.me()
	if err != nil {
		return err
	}
	g, err := e.changeGroup(ctx, jid, me, func(g *sbGroup) error {
		delete(g.Members, me)
		return nil
	})
	if err != nil {
		return err
	}
	e.notify(g, me, Envelope{Action: gateway.ParticipantRemove, Participants: []string{me + "@" + gateway.ServerUser}})
	return nil
}
