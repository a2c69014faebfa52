package whatsmeow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// userInfoClient is the part of *wa.Client that asks about users, which
// the contact and the profile reads share.
type userInfoClient interface {
	GetUserInfo(ctx context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error)
	GetProfilePictureInfo(ctx context.Context, jid types.JID, params *wa.GetProfilePictureParams) (*types.ProfilePictureInfo, error)
}

// contactsClient is the part of *wa.Client the contact operations use.
type contactsClient interface {
	userInfoClient
	GetBlocklist(ctx context.Context) (*types.Blocklist, error)
	UpdateBlocklist(ctx context.Context, jid types.JID, action events.BlocklistChangeAction) (*types.Blocklist, error)
}

var _ contactsClient = (*wa.Client)(nil)

// contactStores are whatsmeow's stores the contact reads use: the names
// it has seen (push names in messages, the phone's address book through
// app state, verified business names) and the LID <-> phone map.
type contactStores struct {
	contacts store.ContactStore
	lids     store.LIDStore
	own      types.JID
}

// contactsClient returns the connected client and its stores.
func (e *Engine) contactsClient() (contactsClient, contactStores, error) {
	cli, err := e.connectedClient()
	if err != nil {
		return nil, contactStores{}, err
	}
	return cli, contactStores{contacts: cli.Store.Contacts, lids: cli.Store.LIDs, own: ownJID(cli)}, nil
}

// contactClientFor returns the connected client, its stores and the
// user's JID for an operation on one user.
func (e *Engine) contactClientFor(jid string) (contactsClient, contactStores, types.JID, error) {
	cli, st, err := e.contactsClient()
	if err != nil {
		return nil, contactStores{}, types.EmptyJID, err
	}
	j, err := userJID(jid)
	if err != nil {
		return nil, contactStores{}, types.EmptyJID, err
	}
	return cli, st, j, nil
}

// Contacts lists the users in whatsmeow's contact store, merged by person:
// an entry kept under a LID joins the one under its phone number.
func (e *Engine) Contacts(ctx context.Context) ([]gateway.ContactInfo, error) {
	_, st, err := e.contactsClient()
	if err != nil {
		return nil, err
	}
	return listContacts(ctx, st)
}

func listContacts(ctx context.Context, st contactStores) ([]gateway.ContactInfo, error) {
	all, err := st.contacts.GetAllContacts(ctx)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The session's contacts could not be read.")
	}
	byJID := map[types.JID]*gateway.ContactInfo{}
	var pns []types.JID
	for jid := range all {
		if jid.Server == types.DefaultUserServer && jid.ToNonAD() != st.own {
			pns = append(pns, jid)
		}
	}
	lidOf, err := st.lids.GetManyLIDsForPNs(ctx, pns)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The session's LID map could not be read.")
	}
	merge := func(c *gateway.ContactInfo, info types.ContactInfo) {
		c.PushName = cmpOr(c.PushName, info.PushName)
		c.SavedName = cmpOr(c.SavedName, info.FullName, info.FirstName)
		c.BusinessName = cmpOr(c.BusinessName, info.BusinessName)
		c.IsBusiness = c.BusinessName != ""
	}
	for _, pn := range pns {
		c := &gateway.ContactInfo{JID: pn.ToNonAD().String(), Phone: pn.User}
		if lid, ok := lidOf[pn]; ok && !lid.IsEmpty() {
			c.LID = lid.ToNonAD().String()
		}
		merge(c, all[pn])
		byJID[pn.ToNonAD()] = c
	}
	for jid, info := range all {
		if jid.Server != types.HiddenUserServer {
			continue
		}
		pn, err := st.lids.GetPNForLID(ctx, jid)
		if err != nil {
			return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The session's LID map could not be read.")
		}
		if !pn.IsEmpty() && pn.ToNonAD() == st.own {
			continue
		}
		if c, ok := byJID[pn.ToNonAD()]; ok && !pn.IsEmpty() {
			c.LID = jid.ToNonAD().String()
			merge(c, info)
			continue
		}
		c := &gateway.ContactInfo{JID: jid.ToNonAD().String(), LID: jid.ToNonAD().String()}
		if !pn.IsEmpty() {
			c.JID, c.Phone = pn.ToNonAD().String(), pn.User
		}
		merge(c, info)
		byJID[jid.ToNonAD()] = c
	}
	out := make([]gateway.ContactInfo, 0, len(byJID))
	for _, c := range byJID {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b gateway.ContactInfo) int { return strings.Compare(a.JID, b.JID) })
	return out, nil
}

func cmpOr(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// GetContact asks WhatsApp about one user: about text, picture, LID,
// business name; names come from the contact store.
func (e *Engine) GetContact(ctx context.Context, jid, knownPictureID string) (*gateway.ContactInfo, error) {
	cli, st, j, err := e.contactClientFor(jid)
	if err != nil {
		return nil, err
	}
	return getContact(ctx, cli, st, j, knownPictureID)
}

func getContact(ctx context.Context, cli contactsClient, st contactStores, j types.JID, knownPictureID string) (*gateway.ContactInfo, error) {
	c := &gateway.ContactInfo{JID: j.String()}
	pn, lid := j, types.EmptyJID
	if j.Server == types.HiddenUserServer {
		lid = j
		p, err := st.lids.GetPNForLID(ctx, j)
		if err != nil {
			return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The session's LID map could not be read.")
		}
		pn = p
	}
	query := j
	if !pn.IsEmpty() {
		query = pn
	}
	infos, err := cli.GetUserInfo(ctx, []types.JID{query})
	if err != nil {
		return nil, contactError(err, "WhatsApp did not answer the user query.")
	}
	info, ok := infos[query]
	// A number WhatsApp does not know comes back without an entry, or
	// with no device and no LID.
	if !ok || (len(info.Devices) == 0 && info.LID.IsEmpty() && info.PictureID == "" && info.Status == "") {
		return nil, gateway.Errorf(gateway.CodeNotFound, "This number is not on WhatsApp.")
	}
	if lid.IsEmpty() {
		lid = info.LID
	}
	if !pn.IsEmpty() && pn.Server == types.DefaultUserServer {
		c.JID, c.Phone = pn.ToNonAD().String(), pn.User
	}
	if !lid.IsEmpty() {
		c.LID = lid.ToNonAD().String()
	}
	c.About, c.PictureID = info.Status, info.PictureID
	if info.VerifiedName != nil && info.VerifiedName.Details != nil {
		c.BusinessName = info.VerifiedName.Details.GetVerifiedName()
	}
	for _, k := range []types.JID{pn, lid} {
		if k.IsEmpty() {
			continue
		}
		if names, err := st.contacts.GetContact(ctx, k); err == nil && names.Found {
			c.PushName = cmpOr(c.PushName, names.PushName)
			c.SavedName = cmpOr(c.SavedName, names.FullName, names.FirstName)
			c.BusinessName = cmpOr(c.BusinessName, names.BusinessName)
		}
	}
	c.IsBusiness = c.BusinessName != "" || info.VerifiedName != nil
	if c.PictureID != "" && c.PictureID != knownPictureID {
		pic, err := cli.GetProfilePictureInfo(ctx, query, &wa.GetProfilePictureParams{ExistingID: knownPictureID})
		switch {
		case errors.Is(err, wa.ErrProfilePictureNotSet), errors.Is(err, wa.ErrProfilePictureUnauthorized):
			c.PictureID = "" // none, or hidden from this account by privacy
		case err != nil:
			return nil, contactError(err, "WhatsApp did not give the profile picture.")
		case pic != nil:
			c.PictureID, c.PictureURL = pic.ID, pic.URL
		}
	}
	if bl, err := cli.GetBlocklist(ctx); err == nil {
		blocked := slices.ContainsFunc(bl.JIDs, func(b types.JID) bool { b = b.ToNonAD(); return b == pn.ToNonAD() || b == lid.ToNonAD() })
		c.Blocked = &blocked
	}
	return c, nil
}

// Blocklist is the account's block list, live.
func (e *Engine) Blocklist(ctx context.Context) ([]string, error) {
	cli, _, err := e.contactsClient()
	if err != nil {
		return nil, err
	}
	bl, err := cli.GetBlocklist(ctx)
	if err != nil {
		return nil, contactError(err, "WhatsApp did not give the block list.")
	}
	return blockedOf(bl), nil
}

func blockedOf(bl *types.Blocklist) []string {
	out := []string{}
	if bl == nil {
		return out
	}
	for _, j := range bl.JIDs {
		out = append(out, j.ToNonAD().String())
	}
	return out
}

// SetBlocked blocks or unblocks a user and returns the new block list.
func (e *Engine) SetBlocked(ctx context.Context, jid string, block bool) ([]string, error) {
	cli, _, j, err := e.contactClientFor(jid)
	if err != nil {
		return nil, err
	}
	action := events.BlocklistChangeActionUnblock
	if block {
		action = events.BlocklistChangeActionBlock
	}
	bl, err := cli.UpdateBlocklist(ctx, j, action)
	if err != nil {
		return nil, contactError(err, "WhatsApp did not change the block list.")
	}
	return blockedOf(bl), nil
}

// LookupLID maps a phone JID to its LID (the store, else WhatsApp) or a
// LID to its phone JID (the store only: WhatsApp answers it to nobody).
func (e *Engine) LookupLID(ctx context.Context, jid string) (*gateway.LIDMapping, error) {
	cli, st, j, err := e.contactClientFor(jid)
	if err != nil {
		return nil, err
	}
	return lookupLID(ctx, cli, st, j)
}

func lookupLID(ctx context.Context, cli contactsClient, st contactStores, j types.JID) (*gateway.LIDMapping, error) {
	mapping := func(pn, lid types.JID, source string) *gateway.LIDMapping {
		return &gateway.LIDMapping{Phone: pn.User, JID: pn.ToNonAD().String(), LID: lid.ToNonAD().String(), Source: source}
	}
	if j.Server == types.HiddenUserServer {
		pn, err := st.lids.GetPNForLID(ctx, j)
		if err != nil {
			return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The session's LID map could not be read.")
		}
		if pn.IsEmpty() {
			return nil, gateway.Errorf(gateway.CodeNotFound, "No phone number is known for this LID.")
		}
		return mapping(pn, j, gateway.SourceStore), nil
	}
	lid, err := st.lids.GetLIDForPN(ctx, j)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The session's LID map could not be read.")
	}
	if !lid.IsEmpty() {
		return mapping(j, lid, gateway.SourceStore), nil
	}
	// GetUserInfo asks for the LID and stores what it learns.
	infos, err := cli.GetUserInfo(ctx, []types.JID{j})
	if err != nil {
		return nil, contactError(err, "WhatsApp did not answer the user query.")
	}
	if info, ok := infos[j]; ok && !info.LID.IsEmpty() {
		return mapping(j, info.LID, gateway.SourceLive), nil
	}
	return nil, gateway.Errorf(gateway.CodeNotFound, "This number is not on WhatsApp, or WhatsApp gave no LID for it.")
}

// userJID parses a user JID (a phone number, …@s.whatsapp.net or …@lid);
// anything else is a user that does not exist.
func userJID(s string) (types.JID, error) {
	j, err := toJID(s)
	if err != nil || (j.Server != types.DefaultUserServer && j.Server != types.HiddenUserServer) {
		return types.EmptyJID, gateway.NotFound("Contact")
	}
	return j, nil
}

// contactError translates whatsmeow's errors of user queries: not found
// is a user WhatsApp does not know, another IQ error a refusal with its
// reason, the rest the socket being down.
func contactError(err error, msg string) error {
	var iq *wa.IQError
	switch {
	case errors.Is(err, wa.ErrIQNotFound):
		return gateway.WrapError(err, gateway.CodeNotFound, "This number is not on WhatsApp.")
	case errors.As(err, &iq) && iq.Code != 0:
		e := gateway.Refused(fmt.Sprintf("%d %s", iq.Code, iq.Text))
		e.Err = err
		return e
	}
	return offlineError(err, msg)
}

// contactEvents are the contact.update events of a whatsmeow event about
// a user: a new push name, business name, about text or picture (seen in
// messages or notifications), a saved name (the phone's address book), a
// block list change (from another device). Groups' pictures and the
// account's own changes are left out; ok is false for other events.
func contactEvents(evt any, own types.JID) (out []gateway.EngineEvent, ok bool) {
	add := func(jid types.JID, change, value string) {
		if jid.IsEmpty() || jid.Server == types.GroupServer || (!own.IsEmpty() && jid.ToNonAD() == own) {
			return
		}
		out = append(out, gateway.EvContactUpdate{Data: gateway.ContactUpdateData{Contact: jid.ToNonAD().String(), Change: change, Value: value}})
	}
	switch v := evt.(type) {
	case *events.PushName:
		add(v.JID, gateway.ContactChangePushName, v.NewPushName)
	case *events.BusinessName:
		add(v.JID, gateway.ContactChangeBusinessName, v.NewBusinessName)
	case *events.UserAbout:
		add(v.JID, gateway.ContactChangeAbout, v.Status)
	case *events.Picture:
		add(v.JID, gateway.ContactChangePicture, v.PictureID)
	case *events.Contact:
		// A full sync replays the whole address book: not news.
		if v.Action != nil && !v.FromFullSync {
			add(v.JID, gateway.ContactChangeSavedName, cmpOr(v.Action.GetFullName(), v.Action.GetFirstName()))
		}
	case *events.Blocklist:
		for _, c := range v.Changes {
			change := gateway.ContactChangeUnblocked
			if c.Action == events.BlocklistChangeActionBlock {
				change = gateway.ContactChangeBlocked
			}
			add(c.JID, change, "")
		}
	default:
		return nil, false
	}
	return out, true
}
