package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const messageCols = `id, user_id, session_id, direction, type, recipient, sender, sender_phone, sender_lid, chat,
	is_group, body, payload, reply_to, status, status_rank, wa_message_id, error, created_at, updated_at, sent_at,
	delivered_at, read_at, request_id, send_at, secret, recipient_lid, media_ref`

var insertMessage = "INSERT INTO messages (" + messageCols + ") VALUES (" + placeholders(len(splitCols(messageCols))) + ")"

// statusReturning is what a status update reads back: the message without
// its payload, which may hold megabytes of inline media that a receipt has
// no use for.
var statusReturning = strings.Replace(messageCols, "payload", "NULL", 1)

// CreateMessage inserts m (ID and timestamps filled when empty; status queued
// for outbound and received for inbound when empty) and the events in one
// transaction. CodeConflict when a message with the same session, direction
// and WA id is stored already (an inbound redelivery); CodeNotFound when the
// session is absent or another tenant's.
func (s *Store) CreateMessage(ctx context.Context, m *gateway.Message, events ...*gateway.Event) error {
	args, err := messageArgs(m)
	if err != nil {
		return err
	}
	const conflict = "This message is already stored."
	if len(events) == 0 {
		// The send path: one statement, no transaction to open.
		st, err := s.writeStmt(ctx, nil, insertMessage)
		if err == nil {
			_, err = st.ExecContext(ctx, args...)
		}
		return s.fail(err, "create message", "Session", conflict)
	}
	if err := prepareEvents(m.UserID, events); err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := s.writeStmt(ctx, tx, insertMessage)
		if err == nil {
			_, err = st.ExecContext(ctx, args...)
		}
		if err != nil {
			return s.fail(err, "create message", "Session", conflict)
		}
		return s.insertEvents(ctx, tx, events)
	})
	return s.fail(err, "create message", "Session", "")
}

// messageArgs checks m, fills its defaults (ID, timestamps, status) and
// returns the values of insertMessage.
func messageArgs(m *gateway.Message) ([]any, error) {
	if m.Direction != gateway.DirectionOutbound && m.Direction != gateway.DirectionInbound {
		return nil, gateway.ValidationError(map[string]string{"direction": "The direction must be outbound or inbound."})
	}
	if m.Status == "" {
		m.Status = gateway.MessageQueued
		if m.Direction == gateway.DirectionInbound {
			m.Status = gateway.MessageReceived
		}
	}
	rank := m.Status.Rank()
	if rank < 0 {
		return nil, gateway.ValidationError(map[string]string{"status": "The message status is not known."})
	}
	var payload any
	if len(m.Payload) > 0 {
		if !json.Valid(m.Payload) {
			return nil, gateway.ValidationError(map[string]string{"payload": "The payload is not valid JSON."})
		}
		payload = string(m.Payload)
	}
	m.ID = newRowID(m.ID)
	newRow(&m.ID, &m.CreatedAt, &m.UpdatedAt)
	m.SentAt, m.DeliveredAt, m.ReadAt = stampPtr(m.SentAt), stampPtr(m.DeliveredAt), stampPtr(m.ReadAt)
	m.SendAt = stampPtr(m.SendAt)
	if m.Status == gateway.MessageScheduled && m.SendAt == nil {
		return nil, gateway.ValidationError(map[string]string{"send_at": "A scheduled message needs the time it is due."})
	}
	return []any{m.ID, m.UserID, m.SessionID, m.Direction, string(m.Type), m.Recipient, m.Sender, m.SenderPhone,
		m.SenderLID, m.Chat, m.IsGroup, m.Body, payload, m.ReplyTo, string(m.Status), rank, nullString(m.WAMessageID),
		m.Error, micros(m.CreatedAt), micros(m.UpdatedAt), nullMicros(m.SentAt), nullMicros(m.DeliveredAt),
		nullMicros(m.ReadAt), m.RequestID, nullMicros(m.SendAt), nullBytes(m.Secret), m.RecipientLID, nullBytes(m.MediaRef)}, nil
}

// MessageByID returns a tenant's message; CodeNotFound when absent or another tenant's.
func (s *Store) MessageByID(ctx context.Context, userID, id string) (*gateway.Message, error) {
	return readOne(ctx, s, scanMessage, "message by id", "Message",
		"SELECT "+messageCols+" FROM messages WHERE id = ? AND user_id = ?", id, userID)
}

// MessagesByRequest lists the messages the API request requestID stored at
// or after since, oldest first (the partial index messages_request).
func (s *Store) MessagesByRequest(ctx context.Context, userID, requestID string, since time.Time) ([]*gateway.Message, error) {
	if !isUUID(userID) || requestID == "" {
		return nil, nil
	}
	list, err := queryAll(ctx, s, "SELECT "+messageCols+` FROM messages
		WHERE user_id = ? AND request_id = ? AND request_id <> '' AND created_at >= ? ORDER BY created_at, id`,
		[]any{userID, requestID, micros(stamp(since))}, func(sc scanner) (*gateway.Message, error) { return scanMessage(sc) })
	return list, s.fail(err, "messages by request", "Message", "")
}

// ListMessages lists a tenant's messages by filter, newest first, with the
// total count. Recipient matches the recipient, chat, sender or sender phone;
// From and To bound the creation time, both inclusive.
func (s *Store) ListMessages(ctx context.Context, userID string, f gateway.MessageFilter) ([]*gateway.Message, int, error) {
	if f.SessionID != "" && !isUUID(f.SessionID) {
		return nil, 0, nil
	}
	// History sync's messages are the account's past, read through a
	// chat's history, not the gateway's message log.
	where := []string{"user_id = ?"}
	args := []any{userID}
	add := func(cond string, v ...any) {
		where = append(where, cond)
		args = append(args, v...)
	}
	switch {
	case f.Label != "" && f.SessionID == "":
		return nil, 0, nil // a label is one session's
	case f.Label != "":
		// A label names a message by its WhatsApp id in the session.
		add("EXISTS (SELECT 1 FROM label_messages lm WHERE lm.session_id = messages.session_id AND lm.label_id = ? AND lm.wa_message_id = messages.wa_message_id)", f.Label)
	default:
		add("NOT history")
	}
	if f.SessionID != "" {
		add("session_id = ?", f.SessionID)
	}
	if f.Direction != "" {
		add("direction = ?", f.Direction)
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if f.Type != "" {
		add("type = ?", string(f.Type))
	}
	if f.Recipient != "" {
		add("(recipient = ? OR chat = ? OR sender = ? OR sender_phone = ?)", f.Recipient, f.Recipient, f.Recipient, f.Recipient)
	}
	if f.From != nil {
		add("created_at >= ?", micros(*f.From))
	}
	if f.To != nil {
		add("created_at <= ?", micros(*f.To))
	}
	list, total, err := listPage(ctx, s, messageCols, "messages", strings.Join(where, " AND "), args,
		"created_at DESC, id DESC", f.Page, scanMessage)
	return list, total, s.fail(err, "list messages", "Message", "")
}

// UpdateMessageStatus moves a message forward in one UPDATE guarded by its
// status rank, so a late receipt never moves it back, and writes the events
// of build in the same transaction. Reaching sent, delivered or read fills
// the matching time and any earlier one still empty; failed is accepted only
// from queued or sent and records u.Error. A message named by session and WA
// id is the outbound one when an inbound message has the same id.
func (s *Store) UpdateMessageStatus(ctx context.Context, u gateway.MessageStatusUpdate,
	build func(*gateway.Message) []*gateway.Event) (*gateway.Message, error) {
	st, err := s.statusUpdate(u)
	if err != nil {
		return nil, err
	}
	if err := s.prepareWrites(ctx, st.query); err != nil {
		return nil, s.fail(err, "update message status", "Message", "")
	}
	var m *gateway.Message
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			events []*gateway.Event
			err    error
		)
		m, events, err = st.apply(ctx, tx, build)
		if err == nil && m == nil {
			return errNotForward
		}
		if err != nil {
			return err
		}
		return s.insertEvents(ctx, tx, events)
	})
	if err == errNotForward {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail(err, "update message status", "Message", "")
	}
	return m, nil
}

// UpdateMessageStatuses applies several status updates, each with its
// events, in one transaction: a worker's "sent" writes of a drained batch,
// and a batch of receipts, cost one commit, not one each. The events are
// written after the updates, in the updates' order, so the webhooks they
// fan out to are read once a batch. The answer holds, per update, the
// message as stored, or nil when it did not move (absent, or already at or
// past that status); one that fails rolls all back.
func (s *Store) UpdateMessageStatuses(ctx context.Context, us []gateway.MessageStatusUpdate,
	build func(*gateway.Message) []*gateway.Event) ([]*gateway.Message, error) {
	steps := make([]*statusStep, len(us))
	for i, u := range us {
		st, err := s.statusUpdate(u)
		if err != nil {
			return nil, err
		}
		steps[i] = st
	}
	runs, err := s.statusRuns(steps)
	if err != nil {
		return nil, err
	}
	queries := make([]string, len(runs))
	for i, r := range runs {
		queries[i] = r.query
	}
	if err := s.prepareWrites(ctx, queries...); err != nil {
		return nil, s.fail(err, "update message statuses", "Message", "")
	}
	out := make([]*gateway.Message, len(us))
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var all []*gateway.Event
		for _, r := range runs {
			if r.step != nil {
				m, events, err := r.step.apply(ctx, tx, build)
				if err != nil && !gateway.IsCode(err, gateway.CodeNotFound) {
					return err
				}
				out[r.from] = m
				all = append(all, events...)
				continue
			}
			moved := out[r.from : r.from+len(r.steps)]
			if err := s.applyStatusRun(ctx, tx, r, moved); err != nil {
				return s.fail(err, "update message statuses", "Message", "This WhatsApp message id is already stored.")
			}
			for _, m := range moved {
				if m == nil {
					continue
				}
				events, err := messageEvents(m, build)
				if err != nil {
					return err
				}
				all = append(all, events...)
			}
		}
		return s.insertEvents(ctx, tx, all)
	})
	if err != nil {
		return nil, s.fail(err, "update message statuses", "Message", "")
	}
	return out, nil
}

// statusRun is what one statement of a status batch applies: one step with
// its own statement (step set), or a run of same-shape steps (steps, from
// the batch's position from) in one statement built for them (query, args).
type statusRun struct {
	step  *statusStep
	steps []*statusStep
	from  int
	query string
	args  []any
}

// statusRuns splits a batch into what statements apply it, in order: the
// longest runs statusRunEnd allows, each one UPDATE on either dialect, and
// the steps left alone. A status update's statement has one of a few dozen
// shapes (which times it fills, whether it records an error, a WA id or a
// LID, by id or by WA id), and so has a run's: its rows travel as one
// argument, so its text does not depend on how many there are. On SQLite
// every statement is then prepared once (prepareWrites) and kept: compiling
// one was the largest CPU cost of a send (the parse, and the message rollup
// triggers SQLite compiles into every UPDATE of messages), and one UPDATE
// for a run saves the per-statement work a row cost on SQLite's single
// writer, as it saves a round trip a row on PostgreSQL.
func (s *Store) statusRuns(steps []*statusStep) ([]statusRun, error) {
	var runs []statusRun
	for from := 0; from < len(steps); {
		to := statusRunEnd(steps, from)
		if to-from == 1 {
			runs = append(runs, statusRun{step: steps[from], from: from, query: steps[from].query})
			from = to
			continue
		}
		r := statusRun{steps: steps[from:to], from: from}
		var err error
		if s.dialect.Name == "postgres" {
			r.query, r.args = postgresStatusRun(r.steps)
		} else {
			r.query, r.args, err = sqliteStatusRun(r.steps)
		}
		if err != nil {
			return nil, err
		}
		if r.query != "" { // else every step named a malformed id: none moves
			runs = append(runs, r)
		}
		from = to
	}
	return runs, nil
}

// statusRunEnd returns the end of the run of steps from from that one
// statement can apply: the same statement shape, and no message named
// twice, since one UPDATE moves a row once (a receipt batch may hold a
// message's delivery and then its read, which stay in order).
func statusRunEnd(steps []*statusStep, from int) int {
	seen := map[string]bool{steps[from].key: true}
	to := from + 1
	for ; to < len(steps); to++ {
		st := steps[to]
		if st.query != steps[from].query || seen[st.key] {
			break
		}
		seen[st.key] = true
	}
	return to
}

// runSets is the SET list of a run's statement: the one-by-one
// statement's expressions with each ? replaced, in order, by the column of
// the run's rows that holds it (vals); the bare column names in them are
// the message's.
func runSets(first *statusStep, vals []string) string {
	sets := make([]string, len(first.sets)) // an expression may take several arguments
	k := 0
	for i, set := range first.sets {
		var b strings.Builder
		for _, r := range set {
			if r == '?' {
				b.WriteString(vals[k])
				k++
				continue
			}
			b.WriteRune(r)
		}
		sets[i] = b.String()
	}
	return strings.Join(sets, ", ")
}

// runTarget is the id of the message a run's row names: its id, or the
// outbound message (else the inbound one) with its session and WA id.
func runTarget(byWA bool, id, session, waID string) string {
	if !byWA {
		return id
	}
	return `(SELECT x.id FROM messages x WHERE x.session_id = ` + session + ` AND x.wa_message_id = ` + waID + `
		ORDER BY CASE x.direction WHEN 'outbound' THEN 0 ELSE 1 END LIMIT 1)`
}

// postgresStatusRun is a run's UPDATE … FROM unnest(…) on PostgreSQL.
// Column k of the unnest holds argument k of every step's SET list, then
// the key's parts, then the rank and the step's position in the run, which
// the statement returns after the message. Each update keeps its own
// arguments (time, rank guard, error, WA id), so the rows end as the
// statements one by one would leave them. A malformed id names no message,
// as in the one-by-one path.
func postgresStatusRun(steps []*statusStep) (string, []any) {
	first := steps[0]
	nSet := len(first.setArgs)
	cols := make([][]any, nSet)
	var ids, sessions, waIDs []string
	var ranks, ords []int64
	for i, st := range steps {
		if !isUUID(st.whereArgs[0].(string)) {
			continue // a malformed id or session id: absent
		}
		for k, a := range st.setArgs {
			cols[k] = append(cols[k], a)
		}
		if st.byWA {
			sessions = append(sessions, st.whereArgs[0].(string))
			waIDs = append(waIDs, st.whereArgs[1].(string))
		} else {
			ids = append(ids, st.whereArgs[0].(string))
		}
		ranks = append(ranks, int64(st.rank))
		ords = append(ords, int64(i))
	}
	if len(ords) == 0 {
		return "", nil
	}
	var (
		args    []any
		unnests []string
		names   []string
	)
	param := func(v any, typ string) string {
		args = append(args, v)
		unnests = append(unnests, "$"+strconv.Itoa(len(args))+"::"+typ+"[]")
		name := "a" + strconv.Itoa(len(args))
		names = append(names, name)
		return "v." + name
	}
	setVals := make([]string, nSet)
	for k, col := range cols {
		switch col[0].(type) {
		case string:
			vs := make([]string, len(col))
			for i, a := range col {
				vs[i] = a.(string)
			}
			setVals[k] = param(vs, "text")
		default:
			vs := make([]int64, len(col))
			for i, a := range col {
				switch a := a.(type) {
				case int:
					vs[i] = int64(a)
				case int64:
					vs[i] = a
				}
			}
			setVals[k] = param(vs, "bigint")
		}
	}
	var target string
	if first.byWA {
		sess, wa := param(sessions, "text"), param(waIDs, "text")
		target = runTarget(true, "", sess+"::uuid", wa)
	} else {
		target = param(ids, "text") + "::uuid"
	}
	rank, ord := param(ranks, "bigint"), param(ords, "bigint")
	query := "UPDATE messages SET " + runSets(first, setVals) + " FROM (SELECT v.*, " + target +
		" AS target FROM unnest(" + strings.Join(unnests, ", ") + ") AS v(" + strings.Join(names, ", ") + ")) v" +
		" WHERE messages.id = v.target AND messages.status_rank < " + rank +
		" RETURNING " + qualify(statusReturning, "messages") + ", " + ord
	return query, args
}

// sqliteStatusRun is a run's UPDATE … FROM jsonb_each(?) on SQLite: the
// run's rows are one JSON array argument, row i holding argument k of step
// i's SET list at k, then the key's parts and the rank, so the statement's
// text depends on the shape alone and is compiled once. SQLite's RETURNING
// cannot name the FROM rows, so applyStatusRun finds each message's step by
// its key.
func sqliteStatusRun(steps []*statusStep) (string, []any, error) {
	first := steps[0]
	rows := make([][]any, 0, len(steps))
	for _, st := range steps {
		if !isUUID(st.whereArgs[0].(string)) {
			continue // a malformed id or session id: absent
		}
		row := make([]any, 0, len(st.setArgs)+len(st.whereArgs)+1)
		row = append(append(append(row, st.setArgs...), st.whereArgs...), st.rank)
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return "", nil, nil
	}
	data, err := jsonRows(rows)
	if err != nil {
		return "", nil, err
	}
	width := len(first.setArgs) + len(first.whereArgs) + 1
	cols := make([]string, width)
	vals := make([]string, width)
	for k := range width {
		cols[k] = "value ->> " + strconv.Itoa(k) + " AS a" + strconv.Itoa(k)
		vals[k] = "v.a" + strconv.Itoa(k)
	}
	nSet := len(first.setArgs)
	target := runTarget(first.byWA, vals[nSet], vals[nSet], vals[min(nSet+1, width-1)])
	query := "UPDATE messages SET " + runSets(first, vals[:nSet]) + " FROM (SELECT " + strings.Join(cols, ", ") +
		" FROM jsonb_each(?)) AS v WHERE messages.id = " + target + " AND messages.status_rank < " + vals[width-1] +
		" RETURNING " + statusReturning
	return query, []any{data}, nil
}

// applyStatusRun runs a run's statement in tx; moved[i] is the message
// r.steps[i] moved, nil when absent or already at or past the status.
func (s *Store) applyStatusRun(ctx context.Context, tx *sql.Tx, r statusRun, moved []*gateway.Message) error {
	var (
		rows *sql.Rows
		err  error
	)
	if s.dialect.Name == "postgres" {
		rows, err = tx.QueryContext(ctx, r.query, r.args...)
	} else {
		var st *sql.Stmt
		if st, err = s.writeStmt(ctx, tx, r.query); err == nil {
			rows, err = st.QueryContext(ctx, r.args...)
		}
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	var byKey map[string]int
	if s.dialect.Name != "postgres" {
		byKey = make(map[string]int, len(r.steps))
		for i, st := range r.steps {
			byKey[st.key] = i
		}
	}
	for rows.Next() {
		if byKey == nil {
			var i int64
			m, err := scanMessage(rows, &i)
			if err != nil {
				return err
			}
			moved[i] = m
			continue
		}
		m, err := scanMessage(rows)
		if err != nil {
			return err
		}
		key := m.ID
		if r.steps[0].byWA {
			key = m.SessionID + "\x00" + m.WAMessageID
		}
		if i, ok := byKey[key]; ok {
			moved[i] = m
		}
	}
	return rows.Err()
}

// qualify prefixes each bare column of a column list with table.
func qualify(cols, table string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p != "NULL" {
			p = table + "." + p
		}
		parts[i] = p
	}
	return strings.Join(parts, ", ")
}

// statusStep is one prepared status update.
type statusStep struct {
	s         *Store
	query     string // as written, with ? placeholders: the statement cache's key
	args      []any
	where     string
	whereArgs []any
	// What the PostgreSQL batch statement (updateStatusRun) is built
	// from: the SET expressions with their arguments, the status's rank,
	// and the message's key (its id, or its session and WA id).
	sets    []string
	setArgs []any
	rank    int
	byWA    bool
	key     string
}

// statusUpdate prepares u's statement.
func (s *Store) statusUpdate(u gateway.MessageStatusUpdate) (*statusStep, error) {
	rank := u.Status.Rank()
	if rank < 0 {
		return nil, gateway.ValidationError(map[string]string{"status": "The message status is not known."})
	}
	var (
		where     string
		whereArgs []any
	)
	switch {
	case u.ID != "":
		where, whereArgs = "id = ?", []any{u.ID}
	case u.SessionID != "" && u.WAMessageID != "":
		where = `id = (SELECT id FROM messages WHERE session_id = ? AND wa_message_id = ?
			ORDER BY CASE direction WHEN 'outbound' THEN 0 ELSE 1 END LIMIT 1)`
		whereArgs = []any{u.SessionID, u.WAMessageID}
	default:
		return nil, gateway.Errorf(gateway.CodeInvalid, "A message status update needs a message id, or a session and a WhatsApp message id.")
	}
	at := micros(stamp(u.At))
	sets := []string{"status = ?", "status_rank = ?", "updated_at = ?"}
	args := []any{string(u.Status), rank, micros(now())}
	set := func(expr string, v ...any) {
		sets = append(sets, expr)
		args = append(args, v...)
	}
	if rank >= gateway.MessageSent.Rank() && u.Status != gateway.MessageFailed && u.Status != gateway.MessageReceived {
		set("sent_at = COALESCE(sent_at, ?)", at)
	}
	if rank >= gateway.MessageDelivered.Rank() {
		set("delivered_at = COALESCE(delivered_at, ?)", at)
	}
	if rank >= gateway.MessageRead.Rank() {
		set("read_at = COALESCE(read_at, ?)", at)
	}
	if u.Error != "" || u.Status == gateway.MessageFailed {
		set("error = ?", u.Error)
	}
	if u.ID != "" && u.WAMessageID != "" {
		set("wa_message_id = ?", u.WAMessageID)
	}
	if u.RecipientLID != "" {
		set("recipient_lid = ?", u.RecipientLID)
	}
	if u.Status == gateway.MessageSent && u.ID != "" {
		// The card the gateway made goes into the payload with the sent,
		// in the same statement. Every sent by id has the expression (an
		// empty card leaves the payload alone), so a worker's drained
		// batch keeps one statement shape and stays one statement on
		// PostgreSQL; a card already in the payload (the caller's) wins.
		card := ""
		if u.LinkPreview != nil {
			b, err := json.Marshal(u.LinkPreview)
			if err != nil {
				return nil, fmt.Errorf("encode link preview: %w", err)
			}
			card = string(b)
		}
		if s.dialect.Name == "postgres" {
			set(`payload = CASE WHEN CAST(? AS text) = '' THEN payload
				ELSE jsonb_build_object('link_preview', CAST(? AS text)::jsonb) || COALESCE(payload, '{}'::jsonb) END`, card, card)
		} else {
			set(`payload = CASE WHEN ? = '' THEN payload
				ELSE json_insert(COALESCE(payload, '{}'), '$.link_preview', json(?)) END`, card, card)
		}
	}
	st := &statusStep{s: s, where: where, whereArgs: whereArgs, sets: sets, setArgs: args, rank: rank,
		byWA: u.ID == ""}
	if st.byWA {
		st.key = u.SessionID + "\x00" + u.WAMessageID
	} else {
		st.key = u.ID
	}
	args = append(slices.Clip(args), whereArgs...)
	args = append(args, rank)
	st.args = args
	st.query = "UPDATE messages SET " + strings.Join(sets, ", ") + " WHERE " + where +
		" AND status_rank < ? RETURNING " + statusReturning
	return st, nil
}

// apply runs the update in tx and returns the message with the events
// build makes of it, for the caller to write. It answers nil when the
// message is already at or past the status, CodeNotFound when absent.
func (st *statusStep) apply(ctx context.Context, tx *sql.Tx, build func(*gateway.Message) []*gateway.Event) (*gateway.Message, []*gateway.Event, error) {
	s := st.s
	if !isUUID(st.whereArgs[0].(string)) {
		// A malformed message or session id names no message. Asking
		// PostgreSQL would fail the statement and with it the rest of a
		// batch's transaction.
		return nil, nil, gateway.NotFound("Message")
	}
	row, err := s.queryRowTx(ctx, tx, st.query, st.args...)
	if err != nil {
		return nil, nil, s.fail(err, "update message status", "Message", "")
	}
	m, err := scanMessage(row)
	if err == sql.ErrNoRows {
		// Nothing moved: either the message is absent, or it is already
		// at or past this status.
		var one int
		err = tx.QueryRowContext(ctx, s.q("SELECT 1 FROM messages WHERE "+st.where), st.whereArgs...).Scan(&one)
		if err != nil {
			return nil, nil, s.fail(err, "update message status", "Message", "")
		}
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, s.fail(err, "update message status", "Message", "This WhatsApp message id is already stored.")
	}
	events, err := messageEvents(m, build)
	if err != nil {
		return nil, nil, err
	}
	return m, events, nil
}

// messageEvents are the events build makes of a message a status update
// moved, ready to insert; none without build.
func messageEvents(m *gateway.Message, build func(*gateway.Message) []*gateway.Event) ([]*gateway.Event, error) {
	if build == nil {
		return nil, nil
	}
	events := build(m)
	if err := prepareEvents(m.UserID, events); err != nil {
		return nil, err
	}
	return events, nil
}

// errNotForward rolls back an update that would not move a message forward.
var errNotForward = &gateway.Error{Code: gateway.CodeConflict, Message: "The message is already past this status."}

// QueuedMessages returns a session's outbound messages still queued, oldest
// first, at most limit (100 when not positive).
func (s *Store) QueuedMessages(ctx context.Context, sessionID string, limit int) ([]*gateway.Message, error) {
	limit = gateway.BatchLimit(limit)
	if !isUUID(sessionID) {
		return nil, nil
	}
	list, err := queryAll(ctx, s, "SELECT "+messageCols+` FROM messages
		WHERE session_id = ? AND status = ? AND direction = ? ORDER BY created_at, id LIMIT ?`,
		[]any{sessionID, string(gateway.MessageQueued), gateway.DirectionOutbound, limit},
		func(sc scanner) (*gateway.Message, error) { return scanMessage(sc) })
	return list, s.fail(err, "queued messages", "Session", "")
}

// ReleaseScheduled queues the session's scheduled messages due at or before
// now (the status guard makes a release and a cancel of one message
// exclusive), then reads when the next one still scheduled is due (the
// partial index messages_scheduled).
func (s *Store) ReleaseScheduled(ctx context.Context, sessionID string, due time.Time) (int, *time.Time, error) {
	if !isUUID(sessionID) {
		return 0, nil, nil
	}
	at := micros(stamp(due))
	st, err := s.writeStmt(ctx, nil, `UPDATE messages SET status = ?, updated_at = ?
		WHERE session_id = ? AND status = ? AND send_at <= ?`)
	if err != nil {
		return 0, nil, s.fail(err, "release scheduled messages", "Session", "")
	}
	res, err := st.ExecContext(ctx, string(gateway.MessageQueued), micros(now()), sessionID, string(gateway.MessageScheduled), at)
	if err != nil {
		return 0, nil, s.fail(err, "release scheduled messages", "Session", "")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, nil, s.fail(err, "release scheduled messages", "Session", "")
	}
	var next sql.NullInt64
	err = s.reader.QueryRowContext(ctx, s.q(`SELECT MIN(send_at) FROM messages WHERE session_id = ? AND status = ?`),
		sessionID, string(gateway.MessageScheduled)).Scan(&next)
	if err != nil {
		return int(n), nil, s.fail(err, "next scheduled message", "Session", "")
	}
	return int(n), fromNullMicros(next), nil
}

// CancelScheduled moves a tenant's scheduled message to canceled, guarded by
// its status, and writes the events of build in the same transaction.
// CodeNotFound when the message is absent or another tenant's;
// CodeConflict when it is no longer scheduled.
func (s *Store) CancelScheduled(ctx context.Context, userID, id string, at time.Time,
	build func(*gateway.Message) []*gateway.Event) (*gateway.Message, error) {
	if !isUUID(userID) || !isUUID(id) {
		return nil, gateway.NotFound("Message")
	}
	var m *gateway.Message
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = scanMessage(tx.QueryRowContext(ctx, s.q(`UPDATE messages SET status = ?, status_rank = ?, updated_at = ?
			WHERE id = ? AND user_id = ? AND status = ? RETURNING `+statusReturning),
			string(gateway.MessageCanceled), gateway.MessageCanceled.Rank(), micros(stamp(at)), id, userID, string(gateway.MessageScheduled)))
		if err == sql.ErrNoRows {
			var status string
			err = tx.QueryRowContext(ctx, s.q("SELECT status FROM messages WHERE id = ? AND user_id = ?"), id, userID).Scan(&status)
			if err != nil {
				return s.fail(err, "cancel scheduled message", "Message", "")
			}
			return gateway.Errorf(gateway.CodeConflict, "The message is %s, no longer scheduled; only a scheduled message can be canceled.", status)
		}
		if err != nil {
			return s.fail(err, "cancel scheduled message", "Message", "")
		}
		if build == nil {
			return nil
		}
		return s.insertNewEvents(ctx, tx, m.UserID, build(m))
	})
	if err != nil {
		return nil, s.fail(err, "cancel scheduled message", "Message", "")
	}
	return m, nil
}

// CountMessages counts a tenant's messages created at or after since (all
// when zero). The outbound counts are a funnel, not current states: Sent
// counts every outbound message that reached the server (sent, delivered,
// read or played), Delivered those delivered or further, Read those read or
// played; Failed and Queued count outbound messages in those states,
// Received counts inbound messages and Total every message. From an hour
// boundary (today, this month, all time) it reads the message_hourly rollup
// of migration 0003, which triggers keep equal to the messages.
func (s *Store) CountMessages(ctx context.Context, userID string, since time.Time) (gateway.MessageCounts, error) {
	if since.IsZero() || since.UnixMicro()%hourMicros == 0 {
		return s.countMessagesRollup(ctx, userID, since)
	}
	c, err := s.countMessagesWhere(ctx, "user_id = ? AND created_at >= ? AND NOT history", userID, sinceMicros(since))
	return c, s.fail(err, "count messages", "Tenant", "")
}

// countMessagesWhere counts the messages a WHERE clause picks by outcome,
// straight from the messages table (CountMessages, the admin stats).
func (s *Store) countMessagesWhere(ctx context.Context, where string, args ...any) (gateway.MessageCounts, error) {
	var c gateway.MessageCounts
	err := s.reader.QueryRowContext(ctx, s.q(`SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN direction = 'outbound' AND status IN ('sent', 'delivered', 'read', 'played') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN direction = 'outbound' AND status IN ('delivered', 'read', 'played') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN direction = 'outbound' AND status IN ('read', 'played') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN direction = 'outbound' AND status = 'failed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN direction = 'outbound' AND status = 'queued' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END), 0)
		FROM messages WHERE `+where), args...).
		Scan(&c.Total, &c.Sent, &c.Delivered, &c.Read, &c.Failed, &c.Queued, &c.Received)
	return c, err
}

// CountOutboundSince counts a tenant's outbound messages created at or after since (quotas).
func (s *Store) CountOutboundSince(ctx context.Context, userID string, since time.Time) (int, error) {
	n, err := s.count(ctx, "SELECT COUNT(*) FROM messages WHERE user_id = ? AND created_at >= ? AND direction = ? AND NOT history",
		userID, sinceMicros(since), gateway.DirectionOutbound)
	return n, s.fail(err, "count outbound messages", "Tenant", "")
}

func scanMessage(sc scanner, extra ...any) (*gateway.Message, error) {
	var (
		m                     gateway.Message
		typ, status           string
		payload, waID         sql.NullString
		rank                  int
		created, updated      int64
		sent, delivered, read sql.NullInt64
		sendAt                sql.NullInt64
	)
	dest := []any{&m.ID, &m.UserID, &m.SessionID, &m.Direction, &typ, &m.Recipient, &m.Sender, &m.SenderPhone,
		&m.SenderLID, &m.Chat, &m.IsGroup, &m.Body, &payload, &m.ReplyTo, &status, &rank, &waID, &m.Error,
		&created, &updated, &sent, &delivered, &read, &m.RequestID, &sendAt, &m.Secret, &m.RecipientLID, &m.MediaRef}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	m.Type, m.Status = gateway.MessageType(typ), gateway.MessageStatus(status)
	if payload.Valid {
		m.Payload = json.RawMessage(payload.String)
	}
	m.WAMessageID = waID.String
	m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
	m.SentAt, m.DeliveredAt, m.ReadAt = fromNullMicros(sent), fromNullMicros(delivered), fromNullMicros(read)
	m.SendAt = fromNullMicros(sendAt)
	return &m, nil
}
