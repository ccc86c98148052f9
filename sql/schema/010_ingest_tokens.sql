-- Producer tokens for the push API: one organization each, stored as an argon2id hash of the secret (never the secret).
-- A token is `jalon_<token_id>_<secret>`; revoking writes a newer row with revoked = true (read with FINAL).

CREATE TABLE IF NOT EXISTS ingest_tokens
(
    token_id    String,
    org         LowCardinality(String),
    hash        String,
    label       String DEFAULT '',
    created_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    revoked     Bool DEFAULT false,
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY token_id;
