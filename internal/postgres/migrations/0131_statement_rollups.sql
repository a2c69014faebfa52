-- The rollups and the chats' last message, kept per statement instead of
-- per row. The per-row triggers of 0004/0014/0101 (deferred to the commit)
-- updated one message_hourly row per (session, hour, direction, status) and
-- one chat row once for every message a statement wrote: a group commit of
-- 64 sends, a worker's batch of 50 "sent" or a receipt batch updated the
-- same row 50-64 times in one transaction, each update a new row version
-- the next had to walk past. Measured with track_functions during
-- scripts/bench-http.sh's sends: 110 µs of PostgreSQL's CPU per call, about
-- 500 µs a message, more than the gateway's whole send. These triggers see
-- a statement's rows together (transition tables) and move each rollup and
-- chat row once per statement, by the statement's net change. They run at
-- the end of the statement, not at commit (transition tables cannot be
-- deferred): a batch's transaction holds those rows from then to its
-- commit, a few milliseconds. Each statement takes its rows in key order,
-- the counts a status change leaves before those it joins, and statuses
-- only move forward, so batches of sends, "sent" and receipts wait for one
-- another but do not deadlock. The counts stay exact: the same rows change
-- by the same amounts.
DROP TRIGGER messages_rollup_insert ON messages;
DROP TRIGGER messages_rollup_update ON messages;
DROP TRIGGER messages_rollup_delete ON messages;
DROP TRIGGER messages_chat ON messages;
DROP FUNCTION messages_rollup();
DROP FUNCTION messages_chat();

-- The latency histogram's bucket of a delivery (delivered_at - sent_at, in
-- microseconds; the upper bound in ms), as 0003 and internal/sqlstore/usage.go
-- compute it: change all together.
CREATE FUNCTION messages_latency_bucket(sent_at BIGINT, delivered_at BIGINT) RETURNS BIGINT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN d < 1000000 THEN (d / 10000 + 1) * 10
        WHEN d < 10000000 THEN (d / 100000 + 1) * 100
        WHEN d < 120000000 THEN (d / 1000000 + 1) * 1000
        WHEN d < 3600000000 THEN (d / 10000000 + 1) * 10000
        ELSE (d / 60000000 + 1) * 60000 END
    FROM (SELECT CASE WHEN delivered_at > sent_at THEN delivered_at - sent_at ELSE 0 END AS d) x
$$;

CREATE FUNCTION messages_rolled_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_hourly AS h (session_id, user_id, hour, direction, status, n)
        SELECT session_id, user_id, created_at / 3600000000, direction, status, COUNT(*)
        FROM new_rows WHERE NOT history
        GROUP BY session_id, user_id, created_at / 3600000000, direction, status
        ORDER BY 1, 3, 4, 5
        ON CONFLICT (session_id, hour, direction, status) DO UPDATE SET n = h.n + EXCLUDED.n;
    INSERT INTO message_latency_daily AS l (session_id, user_id, day, bucket_ms, n)
        SELECT session_id, user_id, created_at / 86400000000, messages_latency_bucket(sent_at, delivered_at), COUNT(*)
        FROM new_rows
        WHERE NOT history AND direction = 'outbound' AND sent_at IS NOT NULL AND delivered_at IS NOT NULL
        GROUP BY session_id, user_id, created_at / 86400000000, messages_latency_bucket(sent_at, delivered_at)
        ORDER BY 1, 3, 4
        ON CONFLICT (session_id, day, bucket_ms) DO UPDATE SET n = l.n + EXCLUDED.n;
    -- Each chat's latest message of the statement, and its inbound count.
    INSERT INTO chats AS c (user_id, session_id, jid, is_group, last_message_id, last_message_at, unread_count)
        SELECT DISTINCT ON (session_id, chat) user_id, session_id, chat, is_group, id, created_at,
            COUNT(*) FILTER (WHERE direction = 'inbound') OVER (PARTITION BY session_id, chat)
        FROM new_rows
        WHERE chat <> '' AND type NOT IN ('reaction', 'edit', 'revoke') AND NOT history
        ORDER BY session_id, chat, created_at DESC, id DESC
        ON CONFLICT (session_id, jid) DO UPDATE SET
            last_message_id = CASE WHEN EXCLUDED.last_message_at >= c.last_message_at
                THEN EXCLUDED.last_message_id ELSE c.last_message_id END,
            last_message_at = GREATEST(c.last_message_at, EXCLUDED.last_message_at),
            unread_count = c.unread_count + EXCLUDED.unread_count;
    RETURN NULL;
END
$$;

CREATE FUNCTION messages_rolled_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A message whose status changed leaves its old count and joins its new
    -- one. One statement may take messages both out of and into the same
    -- status, so each count moves once, by its net change: down where it
    -- exists (as the per-row trigger's UPDATE did), up or created.
    WITH moved AS (
        SELECT o.session_id, o.user_id, o.created_at / 3600000000 AS hour, o.direction, o.status, -1 AS delta
        FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status AND NOT n.history
        UNION ALL
        SELECT n.session_id, n.user_id, n.created_at / 3600000000, n.direction, n.status, 1
        FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status AND NOT n.history
    ), net AS (
        SELECT session_id, hour, direction, status, SUM(delta) AS n FROM moved
        GROUP BY session_id, hour, direction, status HAVING SUM(delta) < 0
    ), locked AS (
        -- An UPDATE … FROM takes its rows in no set order: lock them in
        -- key order first, as every other statement here takes its rows.
        SELECT h.session_id, h.hour, h.direction, h.status FROM message_hourly h JOIN net
            ON h.session_id = net.session_id AND h.hour = net.hour AND h.direction = net.direction AND h.status = net.status
        ORDER BY h.session_id, h.hour, h.direction, h.status
        FOR UPDATE OF h
    )
    UPDATE message_hourly h SET n = h.n + net.n FROM net JOIN locked USING (session_id, hour, direction, status)
    WHERE h.session_id = net.session_id AND h.hour = net.hour AND h.direction = net.direction AND h.status = net.status;
    WITH moved AS (
        SELECT o.session_id, o.user_id, o.created_at / 3600000000 AS hour, o.direction, o.status, -1 AS delta
        FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status AND NOT n.history
        UNION ALL
        SELECT n.session_id, n.user_id, n.created_at / 3600000000, n.direction, n.status, 1
        FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status AND NOT n.history
    )
    INSERT INTO message_hourly AS h (session_id, user_id, hour, direction, status, n)
        SELECT session_id, user_id, hour, direction, status, SUM(delta) FROM moved
        GROUP BY session_id, user_id, hour, direction, status HAVING SUM(delta) > 0
        ORDER BY 1, 3, 4, 5
        ON CONFLICT (session_id, hour, direction, status) DO UPDATE SET n = h.n + EXCLUDED.n;
    INSERT INTO message_latency_daily AS l (session_id, user_id, day, bucket_ms, n)
        SELECT n.session_id, n.user_id, n.created_at / 86400000000, messages_latency_bucket(n.sent_at, n.delivered_at), COUNT(*)
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE NOT n.history AND n.direction = 'outbound' AND n.sent_at IS NOT NULL AND n.delivered_at IS NOT NULL
            AND o.delivered_at IS NULL
        GROUP BY n.session_id, n.user_id, n.created_at / 86400000000, messages_latency_bucket(n.sent_at, n.delivered_at)
        ORDER BY 1, 3, 4
        ON CONFLICT (session_id, day, bucket_ms) DO UPDATE SET n = l.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION messages_rolled_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE message_hourly h SET n = h.n - d.n
    FROM (SELECT session_id, created_at / 3600000000 AS hour, direction, status, COUNT(*) AS n
          FROM old_rows WHERE NOT history GROUP BY session_id, created_at / 3600000000, direction, status) d
    WHERE h.session_id = d.session_id AND h.hour = d.hour AND h.direction = d.direction AND h.status = d.status;
    UPDATE message_latency_daily l SET n = l.n - d.n
    FROM (SELECT session_id, created_at / 86400000000 AS day, messages_latency_bucket(sent_at, delivered_at) AS bucket_ms,
            COUNT(*) AS n
          FROM old_rows
          WHERE NOT history AND direction = 'outbound' AND sent_at IS NOT NULL AND delivered_at IS NOT NULL
          GROUP BY session_id, created_at / 86400000000, messages_latency_bucket(sent_at, delivered_at)) d
    WHERE l.session_id = d.session_id AND l.day = d.day AND l.bucket_ms = d.bucket_ms;
    RETURN NULL;
END
$$;

CREATE TRIGGER messages_rolled_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_rolled_insert();
CREATE TRIGGER messages_rolled_update AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_rolled_update();
CREATE TRIGGER messages_rolled_delete AFTER DELETE ON messages
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_rolled_delete();
