-- Access (issue 6): accounts, sign-in sessions, failed sign-ins for lockout, analysts' saved queries.
-- Secrets are stored only as hashes: argon2id for passwords, SHA-256 for session ids. Retention is a TTL per table.

CREATE TABLE IF NOT EXISTS users
(
    username       String,                                  -- sign-in name; for OpenID Connect, the configured claim (e-mail)
    display_name   String DEFAULT '',
    role           LowCardinality(String),                  -- admin | executive | service_owner | analyst | public
    orgs           Array(String) DEFAULT [],                -- service_owner: one; analyst: the listed ones
    with_children  Bool DEFAULT false,                      -- service_owner: also the organizations below it
    password_hash  String DEFAULT '',                       -- argon2id; '' = OpenID Connect only
    disabled       Bool DEFAULT false,
    updated_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY username;

CREATE TABLE IF NOT EXISTS sessions
(
    id_hash      String,                                    -- SHA-256 of the cookie value; the value itself is never stored
    username     String,
    via          LowCardinality(String),                    -- password | oidc
    created_at   DateTime64(3, 'UTC'),
    expires_at   DateTime64(3, 'UTC'),
    revoked      Bool DEFAULT false,
    updated_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id_hash
TTL toDateTime(expires_at) + INTERVAL 1 DAY;

CREATE TABLE IF NOT EXISTS login_failures
(
    username  String,
    at        DateTime64(3, 'UTC') DEFAULT now64(3),
    address   String DEFAULT ''
)
ENGINE = MergeTree
ORDER BY (username, at)
TTL toDateTime(at) + INTERVAL 7 DAY;

CREATE TABLE IF NOT EXISTS saved_queries
(
    id          String,
    owner       String,
    org         LowCardinality(String) DEFAULT '',          -- shared within this organization when `shared`
    shared      Bool DEFAULT false,
    title       String,
    sql         String,
    deleted     Bool DEFAULT false,
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;
