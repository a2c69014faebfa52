package sqlstore

import (
	"context"
	"database/sql"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// RecordGroupReceipt stores one participant's receipt of a session's sent
// message: the first time of each kind is kept (a read or a play also
// stands for the delivery, a play for the read), so a repeat changes
// nothing and writes no events. The message is looked up by tenant,
// session and WhatsApp id, outbound only.
func (s *Store) RecordGroupReceipt(ctx context.Context, r gateway.GroupReceipt, build func(*gateway.Message, gateway.GroupReceipt) []*gateway.Event) (bool, error) {
	if !isUUID(r.UserID) || !isUUID(r.SessionID) || r.WAMessageID == "" {
		return false, gateway.NotFound("Message")
	}
	if r.Participant == "" {
		return false, gateway.ValidationError(map[string]string{"participant": "A receipt needs its participant."})
	}
	var delivered, read, played any
	at := micros(stamp(r.At))
	switch r.Status {
	case gateway.MessagePlayed:
		delivered, read, played = at, at, at
	case gateway.MessageRead:
		delivered, read = at, at
	case gateway.MessageDelivered:
		delivered = at
	default:
		return false, gateway.ValidationError(map[string]string{"status": "A participant's receipt is delivered, read or played."})
	}
	stored := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		m, err := scanMessage(tx.QueryRowContext(ctx, s.q("SELECT "+messageCols+` FROM messages
			WHERE user_id = ? AND session_id = ? AND wa_message_id = ? AND direction = ?`),
			r.UserID, r.SessionID, r.WAMessageID, gateway.DirectionOutbound))
		if err != nil {
			return s.fail(err, "record group receipt", "Message", "")
		}
		ok, err := changed(tx.ExecContext(ctx, s.q(`INSERT INTO message_receipts (message_id, user_id, participant, participant_phone,
				participant_lid, delivered_at, read_at, played_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (message_id, participant) DO UPDATE SET
				delivered_at = COALESCE(message_receipts.delivered_at, excluded.delivered_at),
				read_at = COALESCE(message_receipts.read_at, excluded.read_at),
				played_at = COALESCE(message_receipts.played_at, excluded.played_at),
				participant_phone = CASE WHEN excluded.participant_phone = '' THEN message_receipts.participant_phone ELSE excluded.participant_phone END,
				participant_lid = CASE WHEN excluded.participant_lid = '' THEN message_receipts.participant_lid ELSE excluded.participant_lid END
			WHERE (message_receipts.delivered_at IS NULL AND excluded.delivered_at IS NOT NULL)
				OR (message_receipts.read_at IS NULL AND excluded.read_at IS NOT NULL)
				OR (message_receipts.played_at IS NULL AND excluded.played_at IS NOT NULL)`),
			m.ID, r.UserID, r.Participant, r.ParticipantPhone, r.ParticipantLID, delivered, read, played))
		if err != nil || !ok {
			return err
		}
		stored = true
		if build == nil {
			return nil
		}
		return s.insertNewEvents(ctx, tx, r.UserID, build(m, r))
	})
	if err != nil {
		return false, s.fail(err, "record group receipt", "Message", "")
	}
	return stored, nil
}

// MessageReceipts lists the participants' receipts of a tenant's message.
func (s *Store) MessageReceipts(ctx context.Context, userID, messageID string) ([]gateway.MessageReceipt, error) {
	if !isUUID(userID) || !isUUID(messageID) {
		return nil, nil
	}
	list, err := queryAll(ctx, s, `SELECT participant, participant_phone, participant_lid, delivered_at, read_at, played_at
		FROM message_receipts WHERE user_id = ? AND message_id = ? ORDER BY participant`,
		[]any{userID, messageID}, scanReceipt)
	return list, s.fail(err, "message receipts", "Message", "")
}

func scanReceipt(sc scanner) (gateway.MessageReceipt, error) {
	var (
		r                       gateway.MessageReceipt
		delivered, read, played sql.NullInt64
	)
	if err := sc.Scan(&r.Participant, &r.Phone, &r.LID, &delivered, &read, &played); err != nil {
		return r, err
	}
	r.DeliveredAt, r.ReadAt, r.PlayedAt = fromNullMicros(delivered), fromNullMicros(read), fromNullMicros(played)
	switch {
	case r.PlayedAt != nil:
		r.Status = gateway.MessagePlayed
	case r.ReadAt != nil:
		r.Status = gateway.MessageRead
	default:
		r.Status = gateway.MessageDelivered
	}
	return r, nil
}
