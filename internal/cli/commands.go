package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/whatsapp-saas/gateway/client"
)

const usage = `wagw — command-line client of the WhatsApp gateway

Usage: wagw [--url URL] [--json] <command> [arguments]

Account
  login                      log in and save the token (config in your config directory)
  logout                     forget the saved token
  register                   create an account and log in
  whoami                     the account, its plan and usage
  usage                      usage and health of the account (analytics overview)

Sessions and pairing
  sessions [list]            list sessions
  sessions create NAME       create a session (--engine sandbox|whatsmeow: the server's
                             default otherwise, see whoami; --start: start it too)
  sessions get|delete|start|stop|logout ID
  qr SESSION                 draw the pairing QR code here, refreshing until paired
  pair-code SESSION PHONE    pair by phone number instead of a QR code
  scan SESSION               sandbox only: complete pairing as a phone would

Messages
  send SESSION RECIPIENT TEXT   send a text (--wait: until delivered; --at: schedule it)
  messages                   the message log (--session, --direction, --status, --recipient)
  message ID                 one message
  cancel ID                  cancel a scheduled message

Contacts
  contacts SESSION [list]    the contacts the session's account knows
  contacts SESSION get USER  one user, asked of WhatsApp (--refresh: the picture URL too)
  contacts SESSION blocked | block USER | unblock USER
  contacts SESSION lid LID | phone PHONE   the LID <-> phone map

The account (chats, groups, profile, presence)
  chats SESSION [list]       the chats, pinned first, newest first (--archived, --page, --limit)
  chats SESSION get CHAT     one chat
  chats SESSION archive|unarchive|pin|unpin|mute|unmute|read|unread CHAT   (mute --until 8h)
  chats SESSION delete CHAT  delete a chat
  chat SESSION CHAT          a chat's messages, newest first (--limit, --before CURSOR, --all)
  groups SESSION [list]      the groups the number is in
  groups SESSION get GROUP   one group: participants, admins, settings, invite link
  groups SESSION create SUBJECT [PHONE…] | join LINK | leave GROUP
  groups SESSION add|remove|promote|demote GROUP PHONE…
  groups SESSION update GROUP [--subject S] [--description D] [--announce true|false] [--locked true|false] [--join-approval true|false]
  groups SESSION invite GROUP [--reset]   the invite link (--reset: a new one)
  groups SESSION requests GROUP           the pending requests to join (admins)
  groups SESSION approve|reject GROUP PHONE…   answer requests to join
  profile SESSION [get]      the account's push name, about text, picture, business profile
  profile SESSION set [--name N] [--about A]   change them
  profile SESSION privacy    the privacy settings
  presence SESSION available|unavailable   show the account online or offline
  presence SESSION subscribe USER   follow a user's presence (presence events)
  calls SESSION reject CALL_ID   reject a ringing call (call events: wagw events --types call)
  calls SESSION place PHONE [--video] [--ring 30]   sandbox: call another sandbox session
  calls SESSION accept|end CALL_ID   sandbox: answer a ringing call, hang up

Status (stories) and channels
  status SESSION [list]      status posts, posted and received (--page, --limit)
  status SESSION post [TEXT…] [--image F|--video F] [--to PHONE,…]   post a status
                             (text style: --background #RRGGBB --text-color #RRGGBB --font F)
  channels SESSION [list]    the channels the account follows or administers
  channels SESSION get CHANNEL | create NAME [--description D]
  channels SESSION follow|unfollow CHANNEL
  channels SESSION messages CHANNEL [--count N] [--before SERVER_ID]   a channel's posts
  channels SESSION post CHANNEL [TEXT…] [--image F|--video F]   post to a channel you administer

Webhooks and events
  webhooks [list]            list endpoints
  webhooks create URL        add an endpoint (--events, --session); prints its secret once
  webhooks delete|test|rotate ID
  webhooks deliveries ID     the endpoint's delivery log (--status)
  webhooks delivery ID DELIVERY
  webhooks replay ID DELIVERY   send one delivery again
  webhooks retry ID --since DURATION   send again every failed delivery since
  webhooks stats [--days N]  each endpoint's deliveries by outcome and success rate
  events                     tail the live event stream (--session, --types)

Keys and admin
  keys [list] | keys create [--name --scopes --session] | keys revoke ID
  admin tenants [--q TEXT] [--status S] | tenant ID   find accounts (admin role)
  admin sessions --q PHONE|ID   find any account's session by phone number or id
  admin suspend|resume ID --reason R   suspend or resume an account (reason kept in the audit log)
  admin plan ID PLAN --reason R   move an account to another plan
  admin plans | stats | audit [--action A] [--tenant ID] [--actor ID]
  health                     the gateway's health

Other
  completion bash|zsh|fish   print a shell completion script
  version                    print the version

wagw COMMAND -h lists every flag of a command. Every command takes --json, --url,
--token and --api-key. Environment: WAGW_URL, WAGW_TOKEN, WAGW_API_KEY,
WAGW_CONFIG (the config file's path).
`

var commands map[string]command

func init() {
	commands = map[string]command{
		"login":     {usage: "login [--email E] [--password-stdin]", help: "Logs in and saves the URL and token.", run: cmdLogin},
		"logout":    {usage: "logout", help: "Forgets the saved token.", run: cmdLogout},
		"register":  {usage: "register --email E --name N [--phone P] [--password-stdin]", help: "Creates an account and saves its token.", run: cmdRegister},
		"whoami":    {usage: "whoami", help: "Shows the account, its plan and usage.", run: shown("whoami", (*client.Client).Me, whoamiTable)},
		"usage":     {usage: "usage", help: "Shows usage against the plan and message counts.", run: shown("usage", (*client.Client).Overview, usageTable)},
		"sessions":  {usage: "sessions [list [--page N] [--limit N]|create NAME [--engine sandbox|whatsmeow] [--webhook-url U] [--start]|get ID|delete ID|start ID|stop ID|logout ID]", help: "Manages sessions.", run: cmdSessions},
		"qr":        {usage: "qr SESSION [--invert] [--timeout 5m]", help: "Draws the pairing QR code, refreshing it until the phone scans it.", run: cmdQR},
		"pair-code": {usage: "pair-code SESSION PHONE", help: "Asks for a code to type on the phone (Linked devices > Link with phone number).", run: cmdPairCode},
		"scan":      {usage: "scan SESSION [--phone P]", help: "Sandbox only: completes pairing as a phone would.", run: cmdScan},
		"send":      {usage: "send SESSION RECIPIENT TEXT [--wait [--timeout 1m]] [--type text] [--at TIME|DURATION] [--idempotency-key K]", help: "Sends a message, now or scheduled.", run: cmdSend},
		"cancel":    {usage: "cancel ID", help: "Cancels a scheduled message.", run: cmdCancel},
		"messages":  {usage: "messages [--session ID] [--direction in|out] [--status S] [--recipient R] [--type T] [--limit N] [--page N]", help: "Lists messages.", run: cmdMessages},
		"message":   {usage: "message ID", help: "Shows one message.", run: cmdMessage},
		"contacts":  {usage: "contacts SESSION [list|get USER [--refresh]|blocked|block USER|unblock USER|lid LID|phone PHONE]", help: "Reads the session's contacts, its block list and the LID map; blocks and unblocks.", run: cmdContacts},
		"chats": {usage: "chats SESSION [list [--archived true|false] [--page N] [--limit N]|get CHAT|delete CHAT|archive|unarchive|pin|unpin|mute [--until TIME|DURATION]|unmute|read|unread CHAT]",
			help: "Lists the session's chats and archives, pins, mutes, marks read or unread, or deletes one.", run: cmdChats},
		"chat": {usage: "chat SESSION CHAT [--limit N] [--before CURSOR] [--all]", help: "Prints a chat's messages, newest first, history sync's included.", run: cmdChat},
		"groups": {usage: "groups SESSION [list|get GROUP|create SUBJECT [PHONE…]|join LINK|leave GROUP|add|remove|promote|demote GROUP PHONE…|update GROUP [--subject S] [--description D] [--announce true|false] [--locked true|false] [--join-approval true|false]|invite GROUP [--reset]|requests GROUP|approve|reject GROUP PHONE…]",
			help: "Reads and manages the groups the session's number is in.", run: cmdGroups},
		"profile":  {usage: "profile SESSION [get|set [--name N] [--about A]|privacy]", help: "Reads or changes the account's push name and about text; reads its privacy settings.", run: cmdProfile},
		"presence": {usage: "presence SESSION available|unavailable|subscribe USER", help: "Shows the account online or offline, or follows a user's presence.", run: cmdPresence},
		"calls": {usage: "calls SESSION reject CALL_ID|place PHONE [--video] [--ring N]|accept CALL_ID|end CALL_ID",
			help: "Rejects a ringing call; on sandbox sessions places, answers and ends test calls.", run: cmdCalls},
		"status": {usage: "status SESSION [list [--page N] [--limit N]|post [TEXT…] [--image FILE|--video FILE] [--to PHONE,…] [--background #RRGGBB] [--text-color #RRGGBB] [--font F]]",
			help: "Lists the session's status posts (its own and its contacts'), or posts one.", run: cmdStatus},
		"channels": {usage: "channels SESSION [list|get CHANNEL|create NAME [--description D]|follow CHANNEL|unfollow CHANNEL|messages CHANNEL [--count N] [--before N]|post CHANNEL [TEXT…] [--image FILE|--video FILE]]",
			help: "Lists, looks up, creates, follows and unfollows channels; reads a channel's posts; posts to one the account administers.", run: cmdChannels},
		"webhooks": {usage: "webhooks [list [--page N] [--limit N]|create URL [--events E,…] [--session ID]|delete ID|test ID|rotate ID|deliveries ID [--status S] [--page N] [--limit N]|delivery ID DELIVERY|replay ID DELIVERY|retry ID --since D|stats [--days N]]", help: "Manages webhook endpoints and their deliveries.", run: cmdWebhooks},
		"events":   {usage: "events [--session ID] [--types message,status] [--from-id N] [--count N]", help: "Prints the live event stream, one JSON line per event.", run: cmdEvents},
		"keys":     {usage: "keys [list|create [--name N] [--scopes *,read,send] [--session ID]|revoke ID]", help: "Manages API keys.", run: cmdKeys},
		"admin": {usage: "admin tenants [--q TEXT] [--status active|suspended] [--page N] [--limit N]|tenant ID|sessions --q PHONE|ID [--page N] [--limit N]|suspend ID --reason R|resume ID --reason R|plan ID PLAN --reason R|plans|stats|audit [--action A] [--tenant ID] [--actor ID] [--page N] [--limit N]",
			help: "The operator's verbs (admin role): find accounts and sessions, suspend, resume or move an account to another plan with a reason (kept in the audit log), the installation's numbers, the audit log.", run: cmdAdmin},
		"health":     {usage: "health", help: "Shows the gateway's health.", run: shown("health", (*client.Client).Health, healthTable)},
		"completion": {usage: "completion bash|zsh|fish", help: "Prints a completion script: source <(wagw completion bash).", run: cmdCompletion},
		"version":    {usage: "version", help: "Prints the version.", run: cmdVersion},
	}
}

func readPassword(r *runner, fromStdin bool) (string, error) {
	if !fromStdin {
		if p := r.env.Getenv("WAGW_PASSWORD"); p != "" {
			return p, nil
		}
		fmt.Fprint(r.env.Stderr, "Password: ")
		if f, ok := r.env.Stdin.(*os.File); ok && isTerminal(f) {
			// Do not echo the password (stty is on every Unix).
			if err := stty(f, "-echo"); err == nil {
				defer func() { _ = stty(f, "echo"); fmt.Fprintln(r.env.Stderr) }()
			}
		}
	}
	line, err := bufio.NewReader(r.env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func stty(tty *os.File, arg string) error {
	cmd := exec.Command("stty", arg)
	cmd.Stdin = tty
	return cmd.Run()
}

func cmdLogin(r *runner, args []string) error {
	fs := r.flags("login")
	email := fs.String("email", "", "account email")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if _, err := r.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		*email = r.cfg.Email
	}
	if *email == "" {
		return fmt.Errorf("give --email: %w", errUsage)
	}
	pw, err := readPassword(r, *stdin)
	if err != nil {
		return err
	}
	c := r.client()
	c.APIKey = ""
	auth, err := c.Login(r.ctx, *email, pw)
	if err != nil {
		return err
	}
	return r.saveAuth(c, auth, fmt.Sprintf("Logged in to %s as %s (token valid until %s).", c.BaseURL, auth.User.Email, when(&auth.ExpiresAt)))
}

// saveAuth saves the gateway and the token a login or a registration
// returned, then prints the account and said.
func (r *runner) saveAuth(c *client.Client, auth *client.Auth, said string) error {
	r.cfg.URL, r.cfg.Token, r.cfg.APIKey, r.cfg.Email = c.BaseURL, auth.Token, "", auth.User.Email
	if err := r.saveConfig(); err != nil {
		return err
	}
	return r.out(auth.User, func(w *tabwriter.Writer) { fmt.Fprintln(w, said) })
}

func cmdLogout(r *runner, args []string) error {
	// Parsed so that `wagw logout -h` shows the help instead of logging out.
	if _, err := r.parse(r.flags("logout"), args); err != nil {
		return err
	}
	r.cfg.Token, r.cfg.APIKey = "", ""
	if err := r.saveConfig(); err != nil {
		return err
	}
	r.printf("Logged out.\n")
	return nil
}

func cmdRegister(r *runner, args []string) error {
	fs := r.flags("register")
	email := fs.String("email", "", "account email")
	name := fs.String("name", "", "your name")
	phone := fs.String("phone", "", "your phone (optional)")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if _, err := r.parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return fmt.Errorf("give --email and --name: %w", errUsage)
	}
	pw, err := readPassword(r, *stdin)
	if err != nil {
		return err
	}
	c := r.client()
	auth, err := c.Register(r.ctx, client.RegisterRequest{Email: *email, Password: pw, Name: *name, Phone: *phone})
	if err != nil {
		return err
	}
	return r.saveAuth(c, auth, fmt.Sprintf("Account %s created; logged in to %s.", auth.User.Email, c.BaseURL))
}

func whoamiTable(w *tabwriter.Writer, p *client.Profile) {
	fmt.Fprintf(w, "Email\t%s\nName\t%s\nRole\t%s\nStatus\t%s\n", p.User.Email, p.User.Name, p.User.Role, p.User.Status)
	if p.Plan != nil {
		fmt.Fprintf(w, "Plan\t%s\n", p.Plan.Name)
		fmt.Fprintf(w, "Sessions\t%s\n", usedOf(p.Usage.Sessions, p.Plan.Limits.Sessions))
		fmt.Fprintf(w, "Messages this month\t%s\n", usedOf(p.Usage.MessagesThisMonth, p.Plan.Limits.MessagesPerMonth))
		fmt.Fprintf(w, "Webhooks\t%s\n", usedOf(p.Usage.Webhooks, p.Plan.Limits.Webhooks))
		fmt.Fprintf(w, "API keys\t%s\n", usedOf(p.Usage.APIKeys, p.Plan.Limits.APIKeys))
	}
	if len(p.Engines) > 0 {
		fmt.Fprintf(w, "Engines\t%s (default %s)\n", strings.Join(p.Engines, ", "), p.DefaultEngine)
	}
}

func usedOf(used, limit int) string {
	if limit < 0 {
		return fmt.Sprintf("%d (unlimited)", used)
	}
	return fmt.Sprintf("%d of %d", used, limit)
}

func usageTable(w *tabwriter.Writer, o *client.Overview) {
	fmt.Fprintf(w, "Sessions\t%d\t", o.Sessions.Total)
	for st, n := range o.Sessions.ByStatus {
		fmt.Fprintf(w, "%s=%d ", st, n)
	}
	fmt.Fprintf(w, "\nInstances running\t%d\n", o.Instances.Running)
	fmt.Fprintln(w, "Messages\tsent\tdelivered\tread\tfailed\treceived")
	for _, row := range []struct {
		name string
		c    client.MessageCounts
	}{{"today", o.Messages.Today}, {"this month", o.Messages.ThisMonth}, {"total", o.Messages.Total}} {
		fmt.Fprintf(w, "  %s\t%d\t%d\t%d\t%d\t%d\n", row.name, row.c.Sent, row.c.Delivered, row.c.Read, row.c.Failed, row.c.Received)
	}
	if o.Plan != nil {
		fmt.Fprintf(w, "Plan %s\tmessages this month %s\n", o.Plan.Name, usedOf(o.Usage.MessagesThisMonth, o.Plan.Limits.MessagesPerMonth))
	}
}

func sessionTable(w *tabwriter.Writer, list ...client.Session) {
	fmt.Fprintln(w, "ID\tNAME\tENGINE\tSTATUS\tPHONE\tCREATED")
	for _, s := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Name, s.Engine, s.Status, dash(s.Phone), when(&s.CreatedAt))
	}
}

func cmdSessions(r *runner, args []string) error {
	fs := r.flags("sessions")
	lo := pageFlags(fs, "", "items")
	webhookURL := fs.String("webhook-url", "", "create: the session's webhook URL")
	engine := fs.String("engine", "", "create: the engine (sandbox, whatsmeow)")
	start := fs.Bool("start", false, "create: start its instance too")
	sub, pos, err := r.subcommand(fs, args, "list")
	if err != nil {
		return err
	}
	c := r.client()
	switch sub {
	case "list", "ls":
		return listed(r, "sessions", "sessions", sessionTable)(c.ListSessions(r.ctx, *lo))
	case "create":
		if err := wantN(pos, 1, "the session's name"); err != nil {
			return err
		}
		s, err := c.CreateSession(r.ctx, client.CreateSessionRequest{SessionName: pos[0], WebhookURL: *webhookURL, Engine: *engine})
		if err != nil {
			return err
		}
		var inst *client.Instance
		if *start {
			if inst, err = c.StartInstance(r.ctx, s.ID); err != nil {
				return err
			}
		}
		return r.out(map[string]any{"session": s, "instance": inst}, func(w *tabwriter.Writer) {
			sessionTable(w, *s)
			if inst != nil {
				fmt.Fprintf(w, "Instance %s %s. Pair it with: wagw qr %s\n", inst.ID, inst.Status, s.ID)
			} else {
				fmt.Fprintf(w, "Start and pair it with: wagw qr %s\n", s.ID)
			}
		})
	}
	if err := wantN(pos, 1, "one session id"); err != nil {
		return err
	}
	id := pos[0]
	switch sub {
	case "get", "show":
		return printed(r, func(w *tabwriter.Writer, s *client.Session) {
			sessionTable(w, *s)
			if s.StatusReason != "" {
				fmt.Fprintf(w, "Reason: %s\n", s.StatusReason)
			}
		})(c.Session(r.ctx, id))
	case "delete", "rm":
		return r.did(c.DeleteSession(r.ctx, id), map[string]any{"deleted": true, "id": id},
			fmt.Sprintf("Session %s deleted.", id))
	case "start":
		return printed(r, func(w *tabwriter.Writer, inst *client.Instance) {
			fmt.Fprintf(w, "Instance %s %s on %s.\n", inst.ID, inst.Status, inst.Driver)
		})(c.StartInstance(r.ctx, id))
	case "stop":
		inst, err := liveInstance(r, id)
		if err != nil {
			return err
		}
		return printed(r, func(w *tabwriter.Writer, inst *client.Instance) {
			fmt.Fprintf(w, "Instance %s %s.\n", inst.ID, inst.Status)
		})(c.StopInstance(r.ctx, inst.ID))
	case "logout":
		return printed(r, one(sessionTable))(c.LogoutSession(r.ctx, id))
	}
	return fmt.Errorf("unknown sessions command %q: %w", sub, errUsage)
}

// liveInstance finds the session's live instance.
func liveInstance(r *runner, sessionID string) (*client.Instance, error) {
	for page := 1; ; page++ {
		list, p, err := r.client().ListInstances(r.ctx, client.ListOptions{Page: page, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, in := range list {
			switch in.Status {
			case "pending", "starting", "running", "restarting":
				if in.SessionID == sessionID {
					return &in, nil
				}
			}
		}
		if page >= p.Pages {
			return nil, fmt.Errorf("session %s has no running instance", sessionID)
		}
	}
}

func cmdPairCode(r *runner, args []string) error {
	pos, err := r.parseN(r.flags("pair-code"), args, 2, "the session and the phone number")
	if err != nil {
		return err
	}
	if err := ensureStarted(r, pos[0]); err != nil {
		return err
	}
	return printed(r, func(w *tabwriter.Writer, pc *client.PairCode) {
		fmt.Fprintf(w, "Pairing code: %s\n%s\n", pc.Code, pc.Instructions)
	})(r.client().RequestPairCode(r.ctx, pos[0], pos[1]))
}

func cmdScan(r *runner, args []string) error {
	fs := r.flags("scan")
	phone := fs.String("phone", "", "the phone number the sandbox pairs as")
	pos, err := r.parseN(fs, args, 1, "the session")
	if err != nil {
		return err
	}
	return printed(r, func(w *tabwriter.Writer, st *client.WorkerStatus) {
		fmt.Fprintf(w, "Session %s: %s %s\n", pos[0], st.State, st.Phone)
	})(r.client().ScanSandbox(r.ctx, pos[0], *phone))
}

func messageTable(w *tabwriter.Writer, list ...client.Message) {
	fmt.Fprintln(w, "ID\tDIR\tTYPE\tSTATUS\tPEER\tTEXT\tCREATED")
	for _, m := range list {
		peer := m.Recipient
		if m.Direction == "inbound" {
			peer = firstNonEmpty(m.SenderPhone, m.Sender, m.Chat)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Direction, m.Type, m.Status, peer, trunc(m.Body, 40), when(&m.CreatedAt))
	}
}

func cmdSend(r *runner, args []string) error {
	fs := r.flags("send")
	typ := fs.String("type", "", "message type (text by default)")
	wait := fs.Bool("wait", false, "wait until the message is delivered (or fails); stops at once when the session is not connected")
	timeout := fs.Duration("timeout", time.Minute, "with --wait: how long to wait")
	key := fs.String("idempotency-key", "", "sent as Idempotency-Key")
	at := fs.String("at", "", "schedule the send: an RFC 3339 time, or a duration from now (90m)")
	pos, err := r.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 3 {
		return fmt.Errorf("give the session, the recipient and the text: %w", errUsage)
	}
	var sendAt *time.Time
	if *at != "" {
		t, err := parseAt(*at, time.Now())
		if err != nil {
			return err
		}
		if *wait {
			return fmt.Errorf("--wait waits for a delivery, which a scheduled send has not yet: leave one out: %w", errUsage)
		}
		sendAt = &t
	}
	c := r.client()
	m, err := c.Send(r.ctx, client.SendRequest{SessionID: pos[0], Recipient: pos[1], Message: strings.Join(pos[2:], " "),
		MessageType: *typ, IdempotencyKey: *key, SendAt: sendAt})
	if err != nil {
		return err
	}
	if *wait {
		deadline := time.Now().Add(*timeout)
		last := m.Status
		r.printf("%s %s\n", m.ID, m.Status)
		for i := 0; !finalStatus(m.Status) && time.Now().Before(deadline); i++ {
			// A queued message leaves only once its session is connected:
			// say so and stop, rather than wait out the timeout.
			if m.Status == "queued" && i%4 == 0 {
				if err := sessionConnected(r, c, pos[0], m.ID); err != nil {
					return err
				}
			}
			select {
			case <-r.ctx.Done():
				return r.ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
			if m, err = c.Message(r.ctx, m.ID); err != nil {
				return err
			}
			if m.Status != last {
				last = m.Status
				r.printf("%s %s\n", m.ID, m.Status)
			}
		}
		if !finalStatus(m.Status) {
			return fmt.Errorf("message %s still %s after %s", m.ID, m.Status, *timeout)
		}
		if m.Status == "failed" {
			if r.json {
				_ = r.out(m, nil)
			}
			return fmt.Errorf("message %s failed: %s", m.ID, m.Error)
		}
		if r.json {
			return r.out(m, nil)
		}
		return nil
	}
	return r.out(m, func(w *tabwriter.Writer) { messageTable(w, *m) })
}

// sessionConnected returns an error naming the session's state (and its
// reason) when it is not connected, for send --wait.
func sessionConnected(r *runner, c *client.Client, sessionID, messageID string) error {
	s, err := c.Session(r.ctx, sessionID)
	if err != nil {
		return err
	}
	if s.Status == "connected" {
		return nil
	}
	state := s.Status
	if s.StatusReason != "" {
		state += " (" + s.StatusReason + ")"
	}
	return fmt.Errorf("message %s is queued: session %s is %s, not connected; it is sent once the session connects (wagw sessions start %s, wagw qr %s)",
		messageID, sessionID, state, sessionID, sessionID)
}

// finalStatus: delivered or beyond, or failed.
func finalStatus(s string) bool {
	switch s {
	case "delivered", "read", "played", "failed":
		return true
	}
	return false
}

func cmdMessages(r *runner, args []string) error {
	fs := r.flags("messages")
	f := client.MessageFilter{}
	fs.StringVar(&f.SessionID, "session", "", "only this session")
	fs.StringVar(&f.Direction, "direction", "", "inbound or outbound")
	fs.StringVar(&f.Status, "status", "", "queued, sent, delivered, read, failed, received")
	fs.StringVar(&f.Recipient, "recipient", "", "recipient, chat or sender")
	fs.StringVar(&f.MessageType, "type", "", "message type")
	lo := pageFlags(fs, "", "items")
	if _, err := r.parse(fs, args); err != nil {
		return err
	}
	f.ListOptions = *lo
	switch f.Direction {
	case "in":
		f.Direction = "inbound"
	case "out":
		f.Direction = "outbound"
	}
	return listed(r, "messages", "messages", messageTable)(r.client().ListMessages(r.ctx, f))
}

// parseAt reads send --at: an RFC 3339 time, or a duration after now.
func parseAt(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("--at takes an RFC 3339 time (2026-01-15T09:30:00Z) or a duration from now (90m): %w", errUsage)
	}
	return now.Add(d), nil
}

func cmdCancel(r *runner, args []string) error {
	pos, err := r.parseN(r.flags("cancel"), args, 1, "the id of the scheduled message")
	if err != nil {
		return err
	}
	return printed(r, one(messageTable))(r.client().CancelMessage(r.ctx, pos[0]))
}

func cmdMessage(r *runner, args []string) error {
	pos, err := r.parseN(r.flags("message"), args, 1, "the message id")
	if err != nil {
		return err
	}
	return printed(r, func(w *tabwriter.Writer, m *client.Message) {
		messageTable(w, *m)
		if m.Error != "" {
			fmt.Fprintf(w, "Error: %s\n", m.Error)
		}
	})(r.client().Message(r.ctx, pos[0]))
}

func webhookTable(w *tabwriter.Writer, list ...client.Webhook) {
	fmt.Fprintln(w, "ID\tURL\tEVENTS\tSESSION\tACTIVE")
	for _, h := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\n", h.ID, h.URL, strings.Join(h.Events, ","), dash(h.SessionID), h.Active)
	}
}

func deliveryTable(w *tabwriter.Writer, list ...client.Delivery) {
	fmt.Fprintln(w, "ID\tEVENT\tSTATUS\tATTEMPTS\tLAST\tNEXT\tCREATED")
	for _, d := range list {
		last := "-"
		if d.LastStatusCode != 0 || d.LastError != "" {
			last = strings.TrimSpace(fmt.Sprintf("%d %s", d.LastStatusCode, trunc(d.LastError, 40)))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.EventType, d.Status, d.Attempts, last, when(d.NextAttemptAt), when(&d.CreatedAt))
	}
}

func webhookStatsTable(w *tabwriter.Writer, list []client.WebhookStats) {
	fmt.Fprintln(w, "WEBHOOK\tSUCCEEDED\tFAILED\tABANDONED\tPENDING\tTOTAL\tSUCCESS")
	for _, s := range list {
		rate := "-" // nothing attempted yet
		if s.SuccessRate != nil {
			rate = fmt.Sprintf("%.1f%%", *s.SuccessRate*100)
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%s\n", s.WebhookID, s.Succeeded, s.Failed, s.Abandoned, s.Pending, s.Total, rate)
	}
}

func cmdWebhooks(r *runner, args []string) error {
	fs := r.flags("webhooks")
	events := fs.String("events", "", "create: comma-separated events (message, status, qr, *, …)")
	session := fs.String("session", "", "create: only this session's events")
	status := fs.String("status", "", "deliveries: pending, succeeded, failed or abandoned")
	since := fs.Duration("since", 24*time.Hour, "retry: deliveries failed within this long")
	days := fs.Int("days", 0, "stats: count the last N days, 1 to 90 (default: the server's, 7)")
	lo := pageFlags(fs, "", "items")
	sub, pos, err := r.subcommand(fs, args, "list")
	if err != nil {
		return err
	}
	c := r.client()
	switch sub {
	case "list", "ls":
		return listed(r, "webhooks", "", webhookTable)(c.ListWebhooks(r.ctx, *lo))
	case "create":
		if err := wantN(pos, 1, "the URL"); err != nil {
			return err
		}
		in := client.CreateWebhookRequest{URL: pos[0], SessionID: *session}
		if *events != "" {
			in.Events = strings.Split(*events, ",")
		}
		return printed(r, func(w *tabwriter.Writer, h *client.Webhook) {
			webhookTable(w, *h)
			fmt.Fprintf(w, "Signing secret (shown once): %s\n", h.Secret)
		})(c.CreateWebhook(r.ctx, in))
	case "stats":
		if err := wantN(pos, 0, "no arguments"); err != nil {
			return err
		}
		// The client leaves out a days of 0 or less (the server's default),
		// so a negative one is refused here rather than silently ignored.
		if *days < 0 {
			return fmt.Errorf("--days must be from 1 to 90: %w", errUsage)
		}
		return printedAs(r, "stats", webhookStatsTable)(c.WebhookStats(r.ctx, *days))
	case "delivery", "replay":
		if err := wantN(pos, 2, "the webhook and delivery ids"); err != nil {
			return err
		}
		if sub == "replay" {
			return printed(r, one(deliveryTable))(c.RetryWebhookDelivery(r.ctx, pos[0], pos[1]))
		}
		d, attempts, err := c.WebhookDelivery(r.ctx, pos[0], pos[1])
		if err != nil {
			return err
		}
		return r.out(map[string]any{"delivery": d, "attempts": attempts}, func(w *tabwriter.Writer) {
			deliveryTable(w, *d)
			fmt.Fprintln(w, "\nATTEMPT\tSTATUS\tLATENCY\tERROR")
			for _, a := range attempts {
				fmt.Fprintf(w, "%s\t%d\t%dms\t%s\n", when(&a.CreatedAt), a.StatusCode, a.LatencyMS, dash(a.Error))
			}
		})
	}
	if err := wantN(pos, 1, "the webhook id"); err != nil {
		return err
	}
	id := pos[0]
	switch sub {
	case "delete", "rm":
		return r.did(c.DeleteWebhook(r.ctx, id), map[string]any{"deleted": true, "id": id},
			fmt.Sprintf("Webhook %s deleted.", id))
	case "test":
		return printed(r, one(deliveryTable))(c.TestWebhook(r.ctx, id))
	case "rotate":
		return printed(r, func(w *tabwriter.Writer, h *client.Webhook) {
			fmt.Fprintf(w, "New signing secret (shown once): %s\n", h.Secret)
		})(c.RotateWebhookSecret(r.ctx, id))
	case "deliveries":
		return listed(r, "deliveries", "deliveries", deliveryTable)(c.ListWebhookDeliveries(r.ctx, id, *status, *lo))
	case "retry":
		n, err := c.RetryWebhookDeliveries(r.ctx, id, time.Now().Add(-*since))
		if err != nil {
			return err
		}
		return r.out(map[string]any{"retried": n}, func(w *tabwriter.Writer) { fmt.Fprintf(w, "%d deliveries queued again.\n", n) })
	}
	return fmt.Errorf("unknown webhooks command %q: %w", sub, errUsage)
}

func cmdEvents(r *runner, args []string) error {
	fs := r.flags("events")
	session := fs.String("session", "", "only this session's events")
	types := fs.String("types", "", "comma-separated subscription names (message, status, qr, *, …)")
	from := fs.String("from-id", "", "resume after this event id")
	count := fs.Int("count", 0, "stop after this many events (0: never)")
	if _, err := r.parse(fs, args); err != nil {
		return err
	}
	o := client.EventsOptions{SessionID: *session, LastEventID: *from}
	if *types != "" {
		o.Types = strings.Split(*types, ",")
	}
	n := 0
	return r.client().Events(r.ctx, o, func(e client.GatewayEvent) error {
		if r.json {
			b, _ := jsonLine(e)
			fmt.Fprintf(r.env.Stdout, "%s\n", b)
		} else {
			fmt.Fprintf(r.env.Stdout, "%s  %-16s %s  %s\n", e.Timestamp.Local().Format("15:04:05.000"), e.Type, dash(e.SessionID), trunc(string(e.Data), 120))
		}
		n++
		if *count > 0 && n >= *count {
			return client.ErrStop
		}
		return nil
	})
}

func keyTable(w *tabwriter.Writer, list ...client.APIKey) {
	fmt.Fprintln(w, "ID\tNAME\tPREFIX\tSCOPES\tSESSION\tLAST USED\tREVOKED")
	for _, k := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, strings.Join(k.Scopes, ","), dash(k.SessionID), when(k.LastUsedAt), when(k.RevokedAt))
	}
}

func cmdKeys(r *runner, args []string) error {
	fs := r.flags("keys")
	name := fs.String("name", "", "create: the key's name")
	scopes := fs.String("scopes", "", "create: comma-separated scopes (*, read, send)")
	session := fs.String("session", "", "create: bind the key to one session")
	sub, pos, err := r.subcommand(fs, args, "list")
	if err != nil {
		return err
	}
	c := r.client()
	switch sub {
	case "list", "ls":
		return listed(r, "api_keys", "", keyTable)(c.ListAPIKeys(r.ctx, client.ListOptions{Limit: 100}))
	case "create":
		in := client.CreateAPIKeyRequest{Name: *name, SessionID: *session}
		if *scopes != "" {
			in.Scopes = strings.Split(*scopes, ",")
		}
		return printed(r, func(w *tabwriter.Writer, k *client.APIKey) {
			keyTable(w, *k)
			fmt.Fprintf(w, "Key (shown once, store it now): %s\n", k.Key)
		})(c.CreateAPIKey(r.ctx, in))
	case "revoke", "rm":
		if err := wantN(pos, 1, "the key id"); err != nil {
			return err
		}
		return r.did(c.RevokeAPIKey(r.ctx, pos[0]), map[string]any{"revoked": true, "id": pos[0]},
			fmt.Sprintf("Key %s revoked.", pos[0]))
	}
	return fmt.Errorf("unknown keys command %q: %w", sub, errUsage)
}

func healthTable(w *tabwriter.Writer, h *client.Health) {
	fmt.Fprintf(w, "Status\t%s\nVersion\t%s\n", h.Status, h.Version)
	for _, c := range h.Checks {
		fmt.Fprintf(w, "  %s\t%s\t%dms\t%s\n", c.Name, c.Status, c.LatencyMS, c.Error)
	}
}

func cmdVersion(r *runner, args []string) error {
	if _, err := r.parse(r.flags("version"), args); err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "wagw %s\n", dash(r.env.Version))
	return nil
}
