package cli

import (
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/whatsapp-saas/gateway/client"
)

// The session's WhatsApp account: its chats and a chat's history, its
// groups, its own profile and its presence. Each command takes the session
// first, as contacts does.

// sessionArg splits off the session id every account command starts with.
func sessionArg(pos []string) (string, []string, error) {
	if len(pos) == 0 {
		return "", nil, fmt.Errorf("give the session id: %w", errUsage)
	}
	return pos[0], pos[1:], nil
}

// sessionCommand parses a session-scoped command (wagw chats SESSION
// [SUB] …): its flags, then the session id, then the subcommand (def when
// none is given) and the arguments after it.
func (r *runner) sessionCommand(fs *flag.FlagSet, args []string, def string) (session, sub string, pos []string, err error) {
	if pos, err = r.parse(fs, args); err != nil {
		return "", "", nil, err
	}
	if session, pos, err = sessionArg(pos); err != nil {
		return "", "", nil, err
	}
	sub, pos = subOf(pos, def)
	return session, sub, pos, nil
}

// listCommand is sessionCommand for the commands that list by default:
// list (or ls, made list) takes no argument.
func (r *runner) listCommand(fs *flag.FlagSet, args []string) (session, sub string, pos []string, err error) {
	session, sub, pos, err = r.sessionCommand(fs, args, "list")
	if err == nil && (sub == "list" || sub == "ls") {
		sub = "list"
		if len(pos) != 0 {
			err = fmt.Errorf("list takes no argument: %w", errUsage)
		}
	}
	return session, sub, pos, err
}

// subOf splits off a subcommand, def when none is given.
func subOf(pos []string, def string) (string, []string) {
	if len(pos) == 0 {
		return def, nil
	}
	return pos[0], pos[1:]
}

func chatTable(w *tabwriter.Writer, list ...client.Chat) {
	fmt.Fprintln(w, "CHAT\tNAME\tUNREAD\tFLAGS\tLAST MESSAGE\tAT")
	for _, c := range list {
		var flags []string
		for _, f := range []struct {
			on   bool
			name string
		}{{c.IsGroup, "group"}, {c.Pinned, "pinned"}, {c.Archived, "archived"}, {c.Muted, "muted"}, {c.MarkedUnread, "marked-unread"}} {
			if f.on {
				flags = append(flags, f.name)
			}
		}
		last := ""
		if m := c.LastMessage; m != nil {
			last = firstNonEmpty(m.Body, "["+m.Type+"]")
			if m.Direction == "outbound" {
				last = "> " + last
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\n", c.JID, dash(c.Name), c.UnreadCount, dash(strings.Join(flags, ",")), dash(trunc(last, 40)), when(c.LastMessageAt))
	}
}

// chatActions are the chats subcommands that change a chat.
var chatActions = []string{"archive", "unarchive", "pin", "unpin", "mute", "unmute", "read", "unread"}

func cmdChats(r *runner, args []string) error {
	fs := r.flags("chats")
	archived := fs.String("archived", "", "list: true for archived chats only, false for the others")
	lo := pageFlags(fs, "list: ", "chats")
	until := fs.String("until", "", "mute: when the mute ends, an RFC 3339 time or a duration from now (8h); forever without it")
	session, sub, pos, err := r.listCommand(fs, args)
	if err != nil {
		return err
	}
	c := r.client()
	if sub == "list" {
		return listed(r, "chats", "chats", chatTable)(c.Chats(r.ctx, session, client.ChatListOptions{ListOptions: *lo, Archived: *archived}))
	}
	if len(pos) != 1 {
		return fmt.Errorf("give one chat (a JID, or a phone number): %w", errUsage)
	}
	chat := pos[0]
	switch {
	case sub == "get" || sub == "show":
		ch, err := c.Chat(r.ctx, session, chat)
		if err != nil {
			return err
		}
		return r.out(ch, func(w *tabwriter.Writer) { chatTable(w, *ch) })
	case sub == "delete" || sub == "rm":
		return r.did(c.DeleteChat(r.ctx, session, chat), map[string]any{"chat": chat, "deleted": true},
			fmt.Sprintf("Chat %s deleted.", chat))
	case contains(chatActions, sub):
		var muteUntil *time.Time
		if *until != "" {
			if sub != "mute" {
				return fmt.Errorf("--until goes with mute: %w", errUsage)
			}
			at, err := parseAt(*until, time.Now())
			if err != nil {
				return fmt.Errorf("--until takes an RFC 3339 time or a duration from now (8h): %w", errUsage)
			}
			muteUntil = &at
		}
		return printedAs(r, "chat", one(chatTable))(c.ChatAction(r.ctx, session, chat, sub, muteUntil))
	}
	return fmt.Errorf("unknown chats command %q: %w", sub, errUsage)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// cmdChat prints a chat's history, newest first, a page at a time (or
// every page with --all).
func cmdChat(r *runner, args []string) error {
	fs := r.flags("chat")
	limit := fs.Int("limit", 20, "messages per page (1 to 100)")
	before := fs.String("before", "", "the next_cursor of the previous page; the newest page without it")
	all := fs.Bool("all", false, "every page, to the chat's first message")
	pos, err := r.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("give the session and the chat: %w", errUsage)
	}
	session, chat := pos[0], pos[1]
	c := r.client()
	var msgs []client.Message
	cursor := *before
	for {
		page, next, err := c.ChatMessages(r.ctx, session, chat, cursor, *limit)
		if err != nil {
			return err
		}
		msgs = append(msgs, page...)
		cursor = next
		if !*all || next == "" {
			break
		}
	}
	return r.out(map[string]any{"messages": msgs, "next_cursor": cursor}, func(w *tabwriter.Writer) {
		fmt.Fprintln(w, "ID\tDIR\tTYPE\tSTATUS\tFROM\tTEXT\tAT\tHISTORY")
		for _, m := range msgs {
			from := "me"
			if m.Direction == "inbound" {
				from = firstNonEmpty(m.SenderPhone, m.Sender)
			}
			hist := ""
			if m.History {
				hist = "yes"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Direction, m.Type, m.Status, dash(from), trunc(m.Body, 40), when(&m.CreatedAt), dash(hist))
		}
		if cursor != "" {
			fmt.Fprintf(w, "(older messages: wagw chat %s %s --before %s)\n", session, chat, cursor)
		}
	})
}

func groupTable(w *tabwriter.Writer, list ...client.Group) {
	fmt.Fprintln(w, "GROUP\tSUBJECT\tPARTICIPANTS\tADMINS\tSETTINGS")
	for _, g := range list {
		admins := 0
		for _, p := range g.Participants {
			if p.IsAdmin {
				admins++
			}
		}
		var set []string
		for _, f := range []struct {
			on   bool
			name string
		}{{g.Settings.Announce, "announce"}, {g.Settings.Locked, "locked"}, {g.Settings.JoinApproval, "join-approval"}} {
			if f.on {
				set = append(set, f.name)
			}
		}
		if g.Settings.EphemeralSeconds > 0 {
			set = append(set, fmt.Sprintf("ephemeral=%ds", g.Settings.EphemeralSeconds))
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\n", g.JID, trunc(g.Subject, 40), len(g.Participants), admins, dash(strings.Join(set, ",")))
	}
}

func participantTable(w *tabwriter.Writer, list []client.GroupParticipant) {
	fmt.Fprintln(w, "PARTICIPANT\tPHONE\tLID\tROLE")
	for _, p := range list {
		role := "member"
		if p.IsSuperAdmin {
			role = "creator"
		} else if p.IsAdmin {
			role = "admin"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.JID, dash(p.Phone), dash(p.LID), role)
	}
}

func resultTable(w *tabwriter.Writer, list []client.ParticipantResult) {
	fmt.Fprintln(w, "PARTICIPANT\tRESULT\tERROR")
	for _, p := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\n", p.JID, p.Status, dash(p.Error))
	}
}

func cmdGroups(r *runner, args []string) error {
	fs := r.flags("groups")
	subject := fs.String("subject", "", "update: the new subject")
	description := fs.String("description", "", "update: the new description")
	announce := fs.String("announce", "", "update: true (only admins send) or false")
	locked := fs.String("locked", "", "update: true (only admins edit the info) or false")
	approval := fs.String("join-approval", "", "update: true (admins approve who joins by link) or false")
	reset := fs.Bool("reset", false, "invite: revoke the link and make a new one")
	session, sub, pos, err := r.sessionCommand(fs, args, "list")
	if err != nil {
		return err
	}
	c := r.client()
	showGroup := func(g *client.Group) error {
		return r.out(map[string]any{"group": g}, func(w *tabwriter.Writer) {
			groupTable(w, *g)
			if g.Description != "" {
				fmt.Fprintf(w, "\nDescription\t%s\n", trunc(g.Description, 80))
			}
			if g.InviteLink != "" {
				fmt.Fprintf(w, "Invite link\t%s\n", g.InviteLink)
			}
			fmt.Fprintln(w)
			participantTable(w, g.Participants)
		})
	}
	switch sub {
	case "list", "ls":
		return printedAs(r, "groups", all(groupTable))(c.Groups(r.ctx, session))
	case "create":
		if len(pos) < 1 {
			return fmt.Errorf("give the subject and the participants: %w", errUsage)
		}
		g, results, err := c.CreateGroup(r.ctx, session, pos[0], pos[1:])
		if err != nil {
			return err
		}
		return r.out(map[string]any{"group": g, "participants": results}, func(w *tabwriter.Writer) {
			groupTable(w, *g)
			fmt.Fprintln(w)
			resultTable(w, results)
		})
	case "join":
		if len(pos) != 1 {
			return fmt.Errorf("give the invite link: %w", errUsage)
		}
		j, err := c.JoinGroup(r.ctx, session, pos[0])
		if err != nil {
			return err
		}
		return r.out(j, func(w *tabwriter.Writer) {
			if j.Pending {
				fmt.Fprintf(w, "Asked to join %s; an admin of the group must approve.\n", j.Group)
				return
			}
			fmt.Fprintf(w, "Joined %s.\n", j.Group)
		})
	}
	if len(pos) < 1 {
		return fmt.Errorf("give the group's JID: %w", errUsage)
	}
	group, rest := pos[0], pos[1:]
	switch sub {
	case "get", "show":
		g, err := c.Group(r.ctx, session, group)
		if err != nil {
			return err
		}
		return showGroup(g)
	case "update":
		u := client.GroupUpdate{}
		if *subject != "" {
			u.Subject = subject
		}
		if *description != "" {
			u.Description = description
		}
		for _, f := range []struct {
			v   string
			dst **bool
			n   string
		}{{*announce, &u.Announce, "announce"}, {*locked, &u.Locked, "locked"}, {*approval, &u.JoinApproval, "join-approval"}} {
			switch f.v {
			case "":
			case "true", "false":
				b := f.v == "true"
				*f.dst = &b
			default:
				return fmt.Errorf("--%s takes true or false: %w", f.n, errUsage)
			}
		}
		g, err := c.UpdateGroup(r.ctx, session, group, u)
		if err != nil {
			return err
		}
		return showGroup(g)
	case "add", "remove", "promote", "demote":
		if len(rest) == 0 {
			return fmt.Errorf("give the participants: %w", errUsage)
		}
		return printedIn(r, map[string]any{"group": group, "action": sub}, "results", resultTable)(c.UpdateGroupParticipants(r.ctx, session, group, sub, rest))
	case "requests":
		return printedIn(r, map[string]any{"group": group}, "requests", func(w *tabwriter.Writer, list []client.GroupRequest) {
			if none(w, list, "No pending request to join.") {
				return
			}
			fmt.Fprintln(w, "REQUESTER\tPHONE\tLID\tASKED")
			for _, q := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", q.JID, dash(q.Phone), dash(q.LID), when(q.RequestedAt))
			}
		})(c.GroupRequests(r.ctx, session, group))
	case "approve", "reject":
		if len(rest) == 0 {
			return fmt.Errorf("give the requesters: %w", errUsage)
		}
		do := c.ApproveGroupRequests
		if sub == "reject" {
			do = c.RejectGroupRequests
		}
		return printedIn(r, map[string]any{"group": group, "action": sub}, "results", resultTable)(do(r.ctx, session, group, rest))
	case "invite":
		get := c.GroupInviteLink
		if *reset {
			get = c.ResetGroupInviteLink
		}
		return printedIn(r, map[string]any{"group": group}, "invite_link", func(w *tabwriter.Writer, link string) {
			fmt.Fprintln(w, link)
		})(get(r.ctx, session, group))
	case "leave":
		return r.did(c.LeaveGroup(r.ctx, session, group), map[string]any{"group": group, "left": true},
			fmt.Sprintf("Left %s.", group))
	}
	return fmt.Errorf("unknown groups command %q: %w", sub, errUsage)
}

func profileTable(w *tabwriter.Writer, p *client.WAProfile) {
	fmt.Fprintf(w, "JID\t%s\nPhone\t%s\nLID\t%s\nPush name\t%s\nAbout\t%s\nPicture\t%s\n", p.JID, dash(p.Phone), dash(p.LID), dash(p.PushName), dash(p.About), dash(p.PictureURL))
	if b := p.Business; b != nil {
		fmt.Fprintf(w, "Business\t%s\nCategories\t%s\nAddress\t%s\nEmail\t%s\n", dash(b.Name), dash(strings.Join(b.Categories, ", ")), dash(b.Address), dash(b.Email))
	}
}

func cmdProfile(r *runner, args []string) error {
	fs := r.flags("profile")
	var name, about optString
	fs.Var(&name, "name", "set: the push name (1 to 25 characters)")
	fs.Var(&about, "about", "set: the about text (at most 139 characters; empty clears it)")
	session, sub, pos, err := r.sessionCommand(fs, args, "get")
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("profile %s takes flags, not arguments: %w", sub, errUsage)
	}
	c := r.client()
	switch sub {
	case "get", "show":
		return printedAs(r, "profile", profileTable)(c.Profile(r.ctx, session))
	case "set":
		if !name.set && !about.set {
			return fmt.Errorf("give --name, --about or both: %w", errUsage)
		}
		u := client.ProfileUpdate{}
		if name.set {
			u.PushName = &name.v
		}
		if about.set {
			u.About = &about.v
		}
		return printedAs(r, "profile", profileTable)(c.UpdateProfile(r.ctx, session, u))
	case "privacy":
		p, err := c.PrivacySettings(r.ctx, session)
		if err != nil {
			return err
		}
		return r.out(map[string]any{"privacy": p}, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Group add\t%s\nLast seen\t%s\nStatus\t%s\nProfile picture\t%s\nRead receipts\t%s\nOnline\t%s\nCall add\t%s\n",
				p.GroupAdd, p.LastSeen, p.Status, p.Profile, p.ReadReceipts, p.Online, p.CallAdd)
		})
	}
	return fmt.Errorf("unknown profile command %q: %w", sub, errUsage)
}

// optString is a string flag that knows whether it was given (--about ""
// clears the about text; no --about leaves it).
type optString struct {
	v   string
	set bool
}

func (o *optString) String() string { return o.v }
func (o *optString) Set(s string) error {
	o.v, o.set = s, true
	return nil
}

func cmdPresence(r *runner, args []string) error {
	pos, err := r.parse(r.flags("presence"), args)
	if err != nil {
		return err
	}
	session, pos, err := sessionArg(pos)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("give available, unavailable or subscribe USER: %w", errUsage)
	}
	c := r.client()
	switch pos[0] {
	case "available", "unavailable":
		if len(pos) != 1 {
			return fmt.Errorf("%s takes no argument: %w", pos[0], errUsage)
		}
		return r.did(c.SetPresence(r.ctx, session, pos[0]), map[string]any{"presence": pos[0]},
			fmt.Sprintf("The account shows as %s.", pos[0]))
	case "subscribe":
		if len(pos) != 2 {
			return fmt.Errorf("give one phone number or JID: %w", errUsage)
		}
		return r.did(c.SubscribePresence(r.ctx, session, pos[1]), map[string]any{"contact": pos[1], "subscribed": true},
			fmt.Sprintf("Subscribed to %s's presence; see it with: wagw events --session %s --types presence", pos[1], session))
	}
	return fmt.Errorf("unknown presence command %q: %w", pos[0], errUsage)
}
