// The one place that reads the environment. Everything else receives a validated `Config`.
// A bad value stops start-up with every problem listed at once, each naming the variable and the fix.
import os from 'node:os';
import path from 'node:path';
import { isIP } from 'node:net';

export type WarehouseConfig =
  | {
      kind: 'embedded';
      dataDir: string;
      database: string;
      /** The Linux nice value of the engine's query threads (JALON_ENGINE_NICE): above the server's own thread, so that a
       *  page or answer already kept is served at once while heavy reads run. Undefined: the engine's default. */
      threadNice?: number;
    }
  | {
      kind: 'server';
      url: string;
      username: string;
      password: string;
      database: string;
      /** A cluster of the server's `remote_servers`: Distributed tables over its shards (warehouse/cluster.ts). */
      cluster: string | null;
      /** Cluster DDL: on each node in turn over its HTTP port, or once with ON CLUSTER (needs Keeper). */
      clusterDdl: 'per_node' | 'on_cluster';
      /** Cluster tables as ReplicatedMergeTree with {shard}/{replica} macros (needs Keeper and the macros). */
      replicated: boolean;
      requestTimeoutMs: number;
      /** JALON_ENGINE_NICE, only when set: the server's query threads run at this nice value (a server sharing the
       *  machine with Jalon); a server elsewhere needs none. */
      threadNice?: number;
    };

/** Points where `JALON_TEST_KILL_AT` stops an ingest (ingest/run-ingest.ts): during the in-place staged insert, between
 *  its attach to the table and its attach to the rollups, or (batched path) once the first batch has landed. */
export const TEST_KILL_POINTS = ['staged-insert', 'between-attaches', 'after-first-batch'] as const;
export type TestKillPoint = (typeof TEST_KILL_POINTS)[number];

export interface Config {
  warehouse: WarehouseConfig;
  http: HttpConfig;
  /** Counts under this are suppressed below the analyst role and in anything public. */
  smallCountThreshold: number;
  /** Channels that count as digital (DESIGN §5). */
  digitalChannels: readonly string[];
  /** Key for the keyed hash that replaces direct identifiers at ingest; null when not configured. */
  pseudonymKey: string | null;
  demo: { events: number; seed: number };
  /** Push API body limit, inbox folder scanned by the jobs, and the optional jobs file (issue 3). */
  ingest: {
    maxBodyBytes: number; pushIntervalMs: number; inboxDir: string; inboxSchedule: string; jobsFile: string | null; excelMaxUnzippedBytes: number;
    /** Tests only: where an ingest kills its own process (`JALON_TEST_KILL_AT`), to prove a stop there is safe. */
    testKillAt: TestKillPoint | null;
  };
  /** How often `serve` brings the journeys and cases rollups up to date and prepares the scorecards (cron). */
  rollupSchedule: string;
  timeZone: 'America/Toronto';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  auth: AuthConfig;
  /** Limits of the analyst SQL sandbox (access/sql-sandbox.ts); a query cannot change them. */
  sql: { timeoutSeconds: number; maxRows: number; maxMemoryBytes: number };
  /** The metrics service's one answer cache, bounded by bytes, the most rows one metric answer may hold (422 beyond), and
   *  how many warehouse reads the metrics service runs at once (cached answers never wait behind them). */
  metrics: { answerCacheBytes: number; maxRows: number; concurrency: number };
  /** Rendered pages kept per caller and data version (dashboard/lib/server/page-cache.ts), bounded by bytes (0: none). */
  pageCacheBytes: number;
  /** A closed period's figures become final this many days after the period ends, unless their sources are complete
   *  sooner (metrics/finality.ts). */
  finalAfterDays: number;
  openData: OpenDataConfig;
  /** Alerts, notifications and digests (issue 12, docs/alerts.md). */
  alerts: AlertsConfig;
}

export interface AlertsConfig {
  /** JSON file of alert rules, read by every evaluation; null when not configured. */
  file: string | null;
  /** SMTP server for e-mail (smtp:// or smtps://, credentials inside); null: e-mails are recorded as failed. */
  smtpUrl: string | null;
  mailFrom: string;
  /** Key signing webhook bodies (HMAC-SHA256); null: webhooks are recorded as failed. */
  webhookSecret: string | null;
  /** Attempts per notification (the first included), and the first pause between attempts (doubled each time). */
  attempts: number;
  backoffMs: number;
  /** When the digest job sends the subscriptions that are due (cron). */
  digestSchedule: string;
  /** Headless Chromium for the digests' PDF. */
  chromiumPath: string;
}

/** The open-data publication (opendata/, jobs/opendata.ts, docs/open-data.md). */
export interface OpenDataConfig {
  /** Folder holding the dated snapshots and `latest/`; the dashboard serves files from it. */
  dir: string;
  /** When the scheduled job publishes (cron, America/Toronto). */
  schedule: string;
  /** First day of the published figures (the fiscal year that contains it is the first one published). */
  from: string;
  /** Licence URI written into the DCAT catalogue. */
  licence: string;
  publisher: { name: string; url: string };
  contact: { name: string; email: string };
}

export interface HttpConfig {
  host: string;
  port: number;
  publicUrl: string;
  /** Addresses of the reverse proxy in front (JALON_TRUSTED_PROXIES): only their X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
  /** Requests per client address and minute (pages and API), and pushes per producer token and minute. */
  requestsPerMinute: number;
  pushesPerMinute: number;
  /** Body limit of every route but the push API (which has `ingest.maxBodyBytes`); sign-in has a smaller one. */
  maxBodyBytes: number;
  /** Seconds a stop (SIGTERM, Ctrl-C) waits for running jobs and pushes before it ends the process anyway. */
  shutdownGraceSeconds: number;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Ask the provider for these scopes (openid is always included). */
  scopes: string;
  /** Token claim matched against account names (jalon users add NAME). */
  usernameClaim: string;
}

export interface AuthConfig {
  /** True unless the operator asks for the open demo: a visitor who has not signed in is then the public. When
   *  false (the open demo, loopback only), such a visitor sees what an executive sees, without SQL or comments. */
  required: boolean;
  /** Whether JALON_AUTH_REQUIRED was given: `jalon start` runs the open demo only when it was not. */
  requiredFromEnv: boolean;
  sessionHours: number;
  /** Failed sign-ins before an account is locked, and for how long. */
  maxFailures: number;
  lockoutMinutes: number;
  /** Sign-in attempts per client address and minute. */
  attemptsPerMinute: number;
  oidc: OidcConfig | null;
}

export const CHANNELS = ['web', 'mobile', 'phone', 'counter', 'mail', 'email', 'fax', 'partner', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Configuration invalide / invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates configuration from `env` (the process environment by default). */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const text = (name: string, fallback: string): string => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? fallback : v.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const cleaned = raw.trim().replace(/_/g, '');
    if (!/^\d+$/.test(cleaned) || Number(cleaned) < min || Number(cleaned) > max) {
      problems.push(`${name}="${raw}": attendu un entier entre ${min} et ${max} / expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return Number(cleaned);
  };
  const identifier = (name: string, fallback: string): string => {
    const v = text(name, fallback);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(v)) {
      problems.push(`${name}="${v}": lettres, chiffres et _ seulement / letters, digits and _ only (e.g. ${fallback})`);
      return fallback;
    }
    return v;
  };

  const database = identifier('CLICKHOUSE_DATABASE', 'jalon');
  const url = text('CLICKHOUSE_URL', '');
  let warehouse: WarehouseConfig;
  if (url) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      problems.push(`CLICKHOUSE_URL="${url}": URL invalide / not a URL (e.g. http://127.0.0.1:8123)`);
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      problems.push(`CLICKHOUSE_URL="${url}": utilisez http:// ou https:// (interface HTTP de ClickHouse, port 8123 ou 8443) / use http:// or https:// (ClickHouse HTTP interface)`);
    }
    const clusterRaw = text('CLICKHOUSE_CLUSTER', '');
    if (clusterRaw && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(clusterRaw)) {
      problems.push(`CLICKHOUSE_CLUSTER="${clusterRaw}": nom de grappe invalide / invalid cluster name`);
    }
    const clusterDdl = text('CLICKHOUSE_CLUSTER_DDL', 'per_node');
    if (clusterDdl !== 'per_node' && clusterDdl !== 'on_cluster') {
      problems.push(`CLICKHOUSE_CLUSTER_DDL="${clusterDdl}": per_node (chaque nœud par HTTP / each node over HTTP) ou/or on_cluster (ON CLUSTER, Keeper)`);
    }
    const replicated = text('CLICKHOUSE_REPLICATED', 'false');
    if (!['true', 'false', '1', '0'].includes(replicated)) problems.push(`CLICKHOUSE_REPLICATED="${replicated}": true ou/or false`);
    if (!clusterRaw && (env.CLICKHOUSE_CLUSTER_DDL || env.CLICKHOUSE_REPLICATED)) {
      problems.push('CLICKHOUSE_CLUSTER_DDL et/and CLICKHOUSE_REPLICATED demandent CLICKHOUSE_CLUSTER / need CLICKHOUSE_CLUSTER');
    }
    warehouse = {
      kind: 'server',
      url: parsed ? `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}` : url,
      username: text('CLICKHOUSE_USER', parsed && parsed.username ? decodeURIComponent(parsed.username) : 'default'),
      password: env.CLICKHOUSE_PASSWORD ?? (parsed && parsed.password ? decodeURIComponent(parsed.password) : ''),
      database,
      cluster: clusterRaw || null,
      clusterDdl: clusterDdl === 'on_cluster' ? 'on_cluster' : 'per_node',
      replicated: replicated === 'true' || replicated === '1',
      requestTimeoutMs: integer('CLICKHOUSE_TIMEOUT_MS', 300_000, 1_000, 3_600_000),
      ...(env.JALON_ENGINE_NICE !== undefined ? { threadNice: integer('JALON_ENGINE_NICE', 10, 0, 19) } : {})
    };
  } else {
    if (env.CLICKHOUSE_CLUSTER) problems.push('CLICKHOUSE_CLUSTER demande CLICKHOUSE_URL / needs CLICKHOUSE_URL (a cluster runs on servers)');
    warehouse = { kind: 'embedded', dataDir: path.resolve(cwd, text('JALON_DATA_DIR', './data')), database, threadNice: integer('JALON_ENGINE_NICE', 10, 0, 19) };
  }

  const port = integer('PORT', 3000, 1, 65535);
  const host = text('HOST', '127.0.0.1');
  const shownHost = host === '0.0.0.0' || host === '::' || host === '127.0.0.1' ? 'localhost' : host;
  const publicUrl = text('JALON_PUBLIC_URL', `http://${shownHost}:${port}`);
  if (!/^https?:\/\//.test(publicUrl)) problems.push(`JALON_PUBLIC_URL="${publicUrl}": doit commencer par http:// ou https:// / must start with http:// or https://`);

  const digitalChannels = text('JALON_DIGITAL_CHANNELS', 'web,mobile').split(',').map((c) => c.trim()).filter(Boolean);
  for (const c of digitalChannels) {
    if (!(CHANNELS as readonly string[]).includes(c)) {
      problems.push(`JALON_DIGITAL_CHANNELS: canal inconnu "${c}" / unknown channel; permis / allowed: ${CHANNELS.join(', ')}`);
    }
  }
  if (digitalChannels.length === 0) problems.push('JALON_DIGITAL_CHANNELS: au moins un canal / at least one channel (e.g. web,mobile)');

  const pseudonymKey = env.JALON_PSEUDONYM_KEY ?? null;
  if (pseudonymKey !== null && pseudonymKey.length < 16) {
    problems.push('JALON_PSEUDONYM_KEY: au moins 16 caractères / at least 16 characters (e.g. `openssl rand -hex 32`)');
  }

  const logLevel = text('JALON_LOG_LEVEL', 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    problems.push(`JALON_LOG_LEVEL="${logLevel}": debug, info, warn ou/or error`);
  }

  const oidcIssuer = text('JALON_OIDC_ISSUER', '');
  const oidcClientId = text('JALON_OIDC_CLIENT_ID', '');
  const oidcSecret = env.JALON_OIDC_CLIENT_SECRET ?? '';
  let oidc: OidcConfig | null = null;
  if (oidcIssuer || oidcClientId || oidcSecret) {
    if (!oidcIssuer || !oidcClientId || !oidcSecret) {
      problems.push('JALON_OIDC_ISSUER, JALON_OIDC_CLIENT_ID et/and JALON_OIDC_CLIENT_SECRET vont ensemble / go together (OpenID Connect)');
    } else if (!/^https?:\/\//.test(oidcIssuer)) {
      problems.push(`JALON_OIDC_ISSUER="${oidcIssuer}": URL de l'émetteur / issuer URL (https://…)`);
    } else {
      oidc = { issuer: oidcIssuer, clientId: oidcClientId, clientSecret: oidcSecret, scopes: text('JALON_OIDC_SCOPES', 'openid email profile'), usernameClaim: text('JALON_OIDC_USERNAME_CLAIM', 'email') };
    }
  }
  // Closed by default: sign-in is required unless the operator asks for the open demo (JALON_AUTH_REQUIRED=false).
  const authRequired = text('JALON_AUTH_REQUIRED', 'true');
  if (!['true', 'false', '1', '0'].includes(authRequired)) problems.push(`JALON_AUTH_REQUIRED="${authRequired}": true ou/or false`);
  const inboxSchedule = text('JALON_INBOX_SCHEDULE', '* * * * *');
  if (!/^(\S+\s+){4,5}\S+$/.test(inboxSchedule)) {
    problems.push(`JALON_INBOX_SCHEDULE="${inboxSchedule}": expression cron attendue / cron expression expected (e.g. "* * * * *")`);
  }
  const rollupSchedule = text('JALON_ROLLUP_SCHEDULE', '* * * * *');
  if (!/^(\S+\s+){4,5}\S+$/.test(rollupSchedule)) {
    problems.push(`JALON_ROLLUP_SCHEDULE="${rollupSchedule}": expression cron attendue / cron expression expected (e.g. "* * * * *")`);
  }
  const jobsFile = text('JALON_JOBS_FILE', '');
  const killAt = text('JALON_TEST_KILL_AT', '');
  if (killAt && !(TEST_KILL_POINTS as readonly string[]).includes(killAt)) {
    problems.push(`JALON_TEST_KILL_AT="${killAt}": ${TEST_KILL_POINTS.join(' ou/or ')} (tests seulement / tests only), ou vide / or empty`);
  }
  const ingest = {
    maxBodyBytes: integer('JALON_INGEST_MAX_BODY_BYTES', 50 * 1024 * 1024, 1024, 2 ** 31),
    pushIntervalMs: integer('JALON_INGEST_PUSH_INTERVAL_MS', 200, 0, 60_000),
    inboxDir: path.resolve(cwd, text('JALON_INBOX_DIR', warehouse.kind === 'embedded' ? path.join(warehouse.dataDir, 'inbox') : './inbox')),
    inboxSchedule,
    jobsFile: jobsFile ? path.resolve(cwd, jobsFile) : null,
    // A workbook is a zip: its unzipped XML, not its file size, is what reading it costs in memory (issue 19).
    excelMaxUnzippedBytes: integer('JALON_EXCEL_MAX_UNZIPPED_BYTES', 200 * 1024 * 1024, 1024 * 1024, 2 ** 32),
    testKillAt: killAt ? (killAt as TestKillPoint) : null
  };

  const openDataSchedule = text('JALON_OPENDATA_SCHEDULE', '30 3 * * *');
  if (!/^(\S+\s+){4,5}\S+$/.test(openDataSchedule)) {
    problems.push(`JALON_OPENDATA_SCHEDULE="${openDataSchedule}": expression cron attendue / cron expression expected (e.g. "30 3 * * *")`);
  }
  const openDataFrom = text('JALON_OPENDATA_FROM', '2018-04-01');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(openDataFrom) || Number.isNaN(Date.parse(`${openDataFrom}T00:00:00Z`))) {
    problems.push(`JALON_OPENDATA_FROM="${openDataFrom}": date AAAA-MM-JJ / date YYYY-MM-DD (e.g. 2018-04-01)`);
  }
  const urlVar = (name: string, fallback: string): string => {
    const v = text(name, fallback);
    if (!/^https?:\/\/\S+$/.test(v)) problems.push(`${name}="${v}": URL http:// ou https:// attendue / http:// or https:// URL expected`);
    return v;
  };
  const contactEmail = text('JALON_OPENDATA_CONTACT_EMAIL', 'donnees-ouvertes@example.org');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contactEmail)) {
    problems.push(`JALON_OPENDATA_CONTACT_EMAIL="${contactEmail}": adresse courriel attendue / e-mail address expected`);
  }
  const openData: OpenDataConfig = {
    dir: path.resolve(cwd, text('JALON_OPENDATA_DIR', warehouse.kind === 'embedded' ? path.join(warehouse.dataDir, 'open-data') : './open-data')),
    schedule: openDataSchedule,
    from: openDataFrom,
    licence: urlVar('JALON_OPENDATA_LICENCE', 'https://creativecommons.org/licenses/by/4.0/'),
    publisher: { name: text('JALON_OPENDATA_PUBLISHER', 'Jalon'), url: urlVar('JALON_OPENDATA_PUBLISHER_URL', publicUrl) },
    contact: { name: text('JALON_OPENDATA_CONTACT_NAME', 'Données ouvertes / Open data'), email: contactEmail }
  };

  const trustedProxies = text('JALON_TRUSTED_PROXIES', '').split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of trustedProxies) {
    if (!isIP(a)) problems.push(`JALON_TRUSTED_PROXIES: adresse IP attendue / IP address expected, not "${a}" (e.g. 127.0.0.1)`);
  }

  const alertsFile = text('JALON_ALERTS_FILE', '');
  const smtpUrl = text('JALON_SMTP_URL', '');
  if (smtpUrl && !/^smtps?:\/\/[^/]+/.test(smtpUrl)) problems.push(`JALON_SMTP_URL="${smtpUrl.replace(/\/\/[^@/]*@/, '//…@')}": smtp://hôte:port ou/or smtps://utilisateur:mot-de-passe@hôte:465`);
  const webhookSecret = env.JALON_WEBHOOK_SECRET ?? null;
  if (webhookSecret !== null && webhookSecret.length < 16) problems.push('JALON_WEBHOOK_SECRET: au moins 16 caractères / at least 16 characters (e.g. `openssl rand -hex 32`)');
  const digestSchedule = text('JALON_DIGEST_SCHEDULE', '0 7 * * *');
  if (!/^(\S+\s+){4,5}\S+$/.test(digestSchedule)) problems.push(`JALON_DIGEST_SCHEDULE="${digestSchedule}": expression cron attendue / cron expression expected (e.g. "0 7 * * *")`);
  const alerts: AlertsConfig = {
    file: alertsFile ? path.resolve(cwd, alertsFile) : null,
    smtpUrl: smtpUrl || null,
    mailFrom: text('JALON_MAIL_FROM', 'Jalon <jalon@localhost>'),
    webhookSecret,
    attempts: integer('JALON_NOTIFY_ATTEMPTS', 5, 1, 100),
    backoffMs: integer('JALON_NOTIFY_BACKOFF_MS', 2_000, 1, 3_600_000),
    digestSchedule,
    chromiumPath: text('JALON_CHROMIUM_PATH', '/usr/bin/chromium')
  };

  const config: Config = {
    warehouse,
    http: {
      host,
      port,
      publicUrl,
      trustedProxies,
      requestsPerMinute: integer('JALON_REQUESTS_PER_MINUTE', 600, 10, 1_000_000),
      pushesPerMinute: integer('JALON_PUSHES_PER_MINUTE', 120, 1, 1_000_000),
      maxBodyBytes: integer('JALON_MAX_BODY_BYTES', 1024 * 1024, 16 * 1024, 2 ** 30),
      shutdownGraceSeconds: integer('JALON_SHUTDOWN_GRACE_SECONDS', 30, 1, 3600)
    },
    smallCountThreshold: integer('JALON_SMALL_COUNT_THRESHOLD', 10, 0, 1_000_000),
    digitalChannels,
    pseudonymKey,
    demo: { events: integer('JALON_DEMO_EVENTS', 2_000_000, 1_000, 1_000_000_000), seed: integer('JALON_DEMO_SEED', 1, 0, 2 ** 31) },
    ingest,
    rollupSchedule,
    timeZone: 'America/Toronto',
    logLevel: logLevel as Config['logLevel'],
    auth: {
      required: authRequired === 'true' || authRequired === '1',
      requiredFromEnv: text('JALON_AUTH_REQUIRED', '') !== '',
      sessionHours: integer('JALON_SESSION_HOURS', 8, 1, 24 * 30),
      maxFailures: integer('JALON_LOGIN_MAX_FAILURES', 5, 1, 100),
      lockoutMinutes: integer('JALON_LOGIN_LOCKOUT_MINUTES', 15, 1, 24 * 60),
      attemptsPerMinute: integer('JALON_LOGIN_ATTEMPTS_PER_MINUTE', 10, 1, 1000),
      oidc
    },
    sql: {
      timeoutSeconds: integer('JALON_SQL_TIMEOUT_SECONDS', 30, 1, 3600),
      maxRows: integer('JALON_SQL_MAX_ROWS', 10_000, 1, 1_000_000),
      maxMemoryBytes: integer('JALON_SQL_MAX_MEMORY_MB', 1000, 16, 1_000_000) * 1_000_000
    },
    metrics: {
      answerCacheBytes: integer('JALON_ANSWER_CACHE_MB', 256, 1, 1_000_000) * 1024 * 1024,
      maxRows: integer('JALON_METRIC_MAX_ROWS', 20_000, 10, 10_000_000),
      concurrency: integer('JALON_METRIC_CONCURRENCY', Math.max(2, os.availableParallelism()), 1, 256)
    },
    pageCacheBytes: integer('JALON_PAGE_CACHE_MB', 64, 0, 1_000_000) * 1024 * 1024,
    finalAfterDays: integer('JALON_FINAL_AFTER_DAYS', 90, 0, 3650),
    openData,
    alerts
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Whether `host` only listens on this machine (the open demo may listen nowhere else). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The open demo (`jalon start` without JALON_AUTH_REQUIRED): sign-in not required, which is refused beyond loopback. */
export function withOpenDemo(config: Config): Config {
  return config.auth.requiredFromEnv ? config : { ...config, auth: { ...config.auth, required: false } };
}

/** One line when the configuration would serve without sign-in beyond loopback; null when it may serve. */
export function openBeyondLoopback(config: Config): string | null {
  if (config.auth.required || isLoopbackHost(config.http.host)) return null;
  return `Refus : sans connexion obligatoire, Jalon n'écoute que sur 127.0.0.1 (HOST=${config.http.host}) ; retirez HOST ou mettez JALON_AUTH_REQUIRED=true / refused: without required sign-in Jalon listens on loopback only (HOST=${config.http.host}); unset HOST or set JALON_AUTH_REQUIRED=true`;
}

/** Returns a copy of `config` with the HTTP port replaced (the CLI's `--port`). */
export function withPort(config: Config, port: number): Config {
  const publicUrl = config.http.publicUrl.replace(/:\d+$/, `:${port}`);
  return { ...config, http: { ...config.http, port, publicUrl } };
}
