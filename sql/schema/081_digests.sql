-- Digests (issue 12): a user's opt-in subscription per organization (weekly or monthly), with the token of its
-- unsubscribe link; and the e-mail address of an account (an OpenID Connect account whose name is an address needs none).

CREATE TABLE IF NOT EXISTS digest_subscriptions
(
    username      String,
    org           String,
    frequency     LowCardinality(String),                 -- weekly | monthly
    lang          LowCardinality(String) DEFAULT 'fr',
    active        Bool DEFAULT true,
    token         String,                                 -- random; the unsubscribe link carries it
    last_sent_at  Nullable(DateTime64(3, 'UTC')),
    updated_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (username, org);

CREATE TABLE IF NOT EXISTS account_emails
(
    username    String,
    email       String,
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY username;
