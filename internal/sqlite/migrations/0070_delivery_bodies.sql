-- The delivery log shows what was sent and what the endpoint answered:
-- each attempt keeps the request body and the start of the response body,
-- both bounded (webhook.MaxLoggedRequest, webhook.MaxLoggedResponse).
ALTER TABLE delivery_attempts ADD COLUMN request_body TEXT NOT NULL DEFAULT '';
ALTER TABLE delivery_attempts ADD COLUMN response_body TEXT NOT NULL DEFAULT '';
