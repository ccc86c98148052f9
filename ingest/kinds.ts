// What each ingest kind accepts: canonical field names, their types and allowed values, the target table, and the
// identity that keeps a row from counting twice. Pure data: validate-sql.ts turns it into SQL.
import { CHANNELS } from '../config/config.ts';

export const KINDS = ['events', 'surveys', 'cases', 'volumes', 'standards', 'indicators', 'costs', 'probes', 'organizations', 'services', 'value_parameters', 'annotations'] as const;
export type Kind = (typeof KINDS)[number];

export type FieldType =
  | 'id' // non-empty text, at most 64 characters
  | 'code' // organization or service code, at most 64 characters
  | 'text' // free text (optional), capped by maxLength
  | 'enum'
  | 'datetime' // ISO 8601; without an offset, America/Toronto local time
  | 'date' // calendar date
  | 'uint'
  | 'number'
  | 'bool'
  | 'period' // 2019-04, 2019-Q2, 2018-2019, 2019, 2019-04-01
  | 'json'; // a JSON value kept as is (arrays, maps of services)

export interface FieldSpec {
  name: string;
  type: FieldType;
  required: boolean;
  values?: readonly string[];
  min?: number;
  max?: number;
  maxLength?: number;
  /** Text used when the field is absent (already canonical). */
  fallback?: string;
}

/**
 * How rows become unique: `identity` rows (events, surveys) are skipped when their id is already stored for the
 * organization; `state` rows (cases, aggregates, reference data) are skipped only when the stored row for the same
 * natural key already holds the same values, and otherwise replace it (a correction: the later report wins).
 */
export type Uniqueness = 'identity' | 'state';

export interface KindSpec {
  kind: Kind;
  table: string;
  fields: readonly FieldSpec[];
  uniqueness: Uniqueness;
  /** Natural key, in target column names. */
  key: readonly string[];
  /** Time column of the target table used to narrow the duplicate look-up (identity kinds). */
  timeColumn?: string;
  /** Field holding the organization code ('' when the kind has none). */
  orgField: string;
  /** Field holding the service code, when rows name a service. */
  serviceField?: string;
  /** Whether the service is optional for the kind (indicators: '' = the whole organization). */
  serviceOptional?: boolean;
  /** State rows kept as a history (every report stays; the table's key holds `reported_at`): a row is new when it
   *  differs from the latest stored report of its key, not from every earlier one. */
  history?: boolean;
}

const channel = (required: boolean, fallback?: string): FieldSpec => ({ name: 'channel', type: 'enum', required, values: CHANNELS, ...(fallback !== undefined ? { fallback } : {}) });
const org: FieldSpec = { name: 'org', type: 'code', required: true };
const service: FieldSpec = { name: 'service', type: 'code', required: true };
const period: FieldSpec = { name: 'period', type: 'period', required: true };
export const REGIONS = Array.from({ length: 17 }, (_, i) => String(i + 1).padStart(2, '0'));

export const KIND_SPECS: Record<Kind, KindSpec> = {
  events: {
    kind: 'events',
    table: 'service_events',
    uniqueness: 'identity',
    key: ['org', 'event_id'],
    timeColumn: 'occurred_at',
    orgField: 'org',
    serviceField: 'service',
    fields: [
      { name: 'event_id', type: 'id', required: true },
      { name: 'occurred_at', type: 'datetime', required: true },
      org,
      service,
      channel(true),
      { name: 'journey_id', type: 'id', required: true },
      { name: 'type', type: 'enum', required: true, values: ['started', 'step', 'completed', 'failed', 'abandoned'] },
      { name: 'step', type: 'text', required: false, maxLength: 128, fallback: '' },
      { name: 'step_index', type: 'uint', required: false, min: 0, max: 255, fallback: '0' },
      { name: 'outcome', type: 'enum', required: false, values: ['success', 'ineligible'], fallback: '' },
      { name: 'client_type', type: 'enum', required: false, values: ['citizen', 'business'], fallback: 'citizen' },
      { name: 'region', type: 'enum', required: false, values: REGIONS, fallback: '' },
      { name: 'sign_in', type: 'enum', required: false, values: ['clicsequr', 'bank', 'partner', 'none'], fallback: 'none' },
      { name: 'assisted', type: 'bool', required: false, fallback: 'false' },
      { name: 'prefilled', type: 'bool', required: false, fallback: 'false' },
      { name: 'duration_ms', type: 'uint', required: false, min: 0, max: 1e13 }
    ]
  },
  surveys: {
    kind: 'surveys',
    table: 'survey_responses',
    uniqueness: 'identity',
    key: ['org', 'response_id'],
    timeColumn: 'submitted_at',
    orgField: 'org',
    serviceField: 'service',
    fields: [
      { name: 'response_id', type: 'id', required: true },
      { name: 'submitted_at', type: 'datetime', required: true },
      org,
      service,
      channel(true),
      { name: 'journey_id', type: 'text', required: false, maxLength: 64, fallback: '' },
      // '' when not sent: ingest then takes them from the linked journey's events already stored (validate-sql.ts).
      { name: 'region', type: 'enum', required: false, values: REGIONS, fallback: '' },
      { name: 'client_type', type: 'enum', required: false, values: ['citizen', 'business'], fallback: '' },
      { name: 'satisfaction', type: 'uint', required: true, min: 1, max: 5 },
      { name: 'effort', type: 'uint', required: false, min: 1, max: 7 },
      { name: 'comment', type: 'text', required: false, maxLength: 4000, fallback: '' },
      { name: 'language', type: 'enum', required: false, values: ['fr', 'en'], fallback: 'fr' }
    ]
  },
  cases: {
    kind: 'cases',
    table: 'cases',
    uniqueness: 'state',
    key: ['org', 'service', 'received_at', 'case_id'],
    orgField: 'org',
    serviceField: 'service',
    fields: [
      { name: 'case_id', type: 'id', required: true },
      org,
      service,
      channel(true),
      { name: 'received_at', type: 'datetime', required: true },
      { name: 'decided_at', type: 'datetime', required: false },
      { name: 'standard_days', type: 'uint', required: true, min: 0, max: 65535 },
      { name: 'working_days', type: 'bool', required: false, fallback: 'false' }
    ]
  },
  volumes: {
    kind: 'volumes',
    table: 'channel_volumes',
    uniqueness: 'state',
    key: ['org', 'service', 'period_start', 'period_grain', 'channel'],
    orgField: 'org',
    serviceField: 'service',
    fields: [period, org, service, channel(true), { name: 'volume', type: 'uint', required: true, min: 0, max: 1e15 }]
  },
  standards: {
    kind: 'standards',
    table: 'standard_results',
    uniqueness: 'state',
    key: ['org', 'service', 'period_start', 'period_grain', 'channel'],
    orgField: 'org',
    serviceField: 'service',
    fields: [
      period,
      org,
      service,
      channel(true),
      { name: 'met', type: 'uint', required: true, min: 0, max: 1e15 },
      { name: 'total', type: 'uint', required: true, min: 0, max: 1e15 }
    ]
  },
  indicators: {
    kind: 'indicators',
    table: 'declared_indicators',
    uniqueness: 'state',
    key: ['org', 'service', 'period_start', 'period_grain', 'indicator'],
    orgField: 'org',
    serviceField: 'service',
    serviceOptional: true,
    fields: [
      { name: 'indicator', type: 'code', required: true },
      period,
      org,
      { name: 'service', type: 'code', required: false, fallback: '' },
      { name: 'value', type: 'number', required: true },
      { name: 'note', type: 'text', required: false, maxLength: 2000, fallback: '' }
    ]
  },
  costs: {
    kind: 'costs',
    table: 'costs',
    uniqueness: 'state',
    key: ['org', 'service', 'period_start', 'period_grain', 'channel'],
    orgField: 'org',
    serviceField: 'service',
    fields: [period, org, service, channel(false, ''), { name: 'amount_cad', type: 'number', required: true, min: 0, max: 1e15 }]
  },
  // Availability probes collected elsewhere (Jalon's own probes job writes the same table): one row per probe of a
  // service, standing for `interval_s` seconds. A probe resent with other values for the same time replaces it.
  probes: {
    kind: 'probes',
    table: 'availability_probes',
    uniqueness: 'state',
    key: ['org', 'service', 'probed_at', 'probe'],
    orgField: 'org',
    serviceField: 'service',
    fields: [
      org,
      service,
      { name: 'probed_at', type: 'datetime', required: true },
      { name: 'probe', type: 'text', required: false, maxLength: 64, fallback: 'default' },
      { name: 'up', type: 'bool', required: true },
      { name: 'response_ms', type: 'uint', required: false, min: 0, max: 4_294_967_295, fallback: '0' },
      { name: 'interval_s', type: 'uint', required: false, min: 1, max: 86_400, fallback: '300' }
    ]
  },
  organizations: {
    kind: 'organizations',
    table: 'organizations',
    uniqueness: 'state',
    key: ['code'],
    orgField: 'code',
    fields: [
      { name: 'code', type: 'code', required: true },
      { name: 'name_fr', type: 'text', required: true, maxLength: 300 },
      { name: 'name_en', type: 'text', required: false, maxLength: 300, fallback: '' },
      { name: 'parent_code', type: 'text', required: false, maxLength: 64, fallback: '' },
      { name: 'kind', type: 'enum', required: false, values: ['ministere', 'organisme', 'tribunal'], fallback: 'organisme' },
      { name: 'reporting', type: 'enum', required: false, values: ['events', 'aggregates'], fallback: 'events' }
    ]
  },
  services: {
    kind: 'services',
    table: 'services',
    uniqueness: 'state',
    key: ['org', 'code'],
    orgField: 'org',
    fields: [
      org,
      { name: 'code', type: 'code', required: true },
      { name: 'name_fr', type: 'text', required: true, maxLength: 300 },
      { name: 'name_en', type: 'text', required: false, maxLength: 300, fallback: '' },
      { name: 'launched_on', type: 'date', required: true },
      { name: 'end_to_end_digital', type: 'bool', required: false, fallback: 'false' },
      { name: 'standard_days', type: 'uint', required: false, min: 0, max: 65535, fallback: '0' },
      { name: 'working_days', type: 'bool', required: false, fallback: 'false' },
      { name: 'standard_target', type: 'number', required: false, min: 0, max: 1, fallback: '0.9' },
      { name: 'steps', type: 'json', required: false, fallback: '[]' },
      { name: 'baseline_minutes', type: 'json', required: false, fallback: '{}' },
      { name: 'unit_cost_cad', type: 'json', required: false, fallback: '{}' }
    ]
  },
  // Value-created parameters with an effective date (sql/schema/062): at least one of the two figures per row.
  value_parameters: {
    kind: 'value_parameters',
    table: 'value_parameters',
    uniqueness: 'state',
    history: true,
    key: ['org', 'service', 'channel', 'effective_from'],
    orgField: 'org',
    serviceField: 'service',
    fields: [
      org,
      service,
      channel(true),
      { name: 'effective_from', type: 'date', required: true },
      { name: 'baseline_minutes', type: 'number', required: false, min: 0, max: 1e6 },
      { name: 'unit_cost_cad', type: 'number', required: false, min: 0, max: 1e9 },
      { name: 'source', type: 'text', required: false, maxLength: 500, fallback: '' }
    ]
  },
  // Releases, incidents, policies, campaigns and notes drawn on a service's (or, without a service, an organization's)
  // charts. Sending a row again with other texts corrects it; the app and the API also edit and delete them.
  annotations: {
    kind: 'annotations',
    table: 'annotations',
    uniqueness: 'state',
    key: ['org', 'service', 'at', 'kind'],
    orgField: 'org',
    serviceField: 'service',
    serviceOptional: true,
    fields: [
      org,
      { name: 'service', type: 'code', required: false, fallback: '' },
      { name: 'at', type: 'datetime', required: true },
      { name: 'kind', type: 'enum', required: true, values: ['release', 'incident', 'policy', 'campaign', 'note'] }, // as metrics/annotation-kinds.ts
      { name: 'text_fr', type: 'text', required: true, maxLength: 500 },
      { name: 'text_en', type: 'text', required: false, maxLength: 500, fallback: '' }
    ]
  }
};

export function isKind(value: string): value is Kind {
  return (KINDS as readonly string[]).includes(value);
}

/** Reason codes a rejected row can carry, with the French and English explanation (the fix). */
export const REASONS: Record<string, string> = {
  bad_encoding: 'caractères illisibles : enregistrez le fichier en UTF-8 (ou indiquez csv.encoding) / unreadable characters: save the file as UTF-8 (or set csv.encoding)',
  malformed_row: 'ligne illisible : un objet JSON par ligne est attendu / unreadable line: one JSON object per line expected',
  missing_field: 'champ obligatoire manquant : ajoutez-le ou donnez une constante dans le mapping / required field missing: add it or give a constant in the mapping',
  too_long: 'valeur trop longue (64 caractères au plus pour un identifiant) / value too long (at most 64 characters for an id)',
  bad_date: 'date illisible : ISO 8601 attendu, ex. 2024-04-01T10:30:00-04:00 / unreadable date: ISO 8601 expected, e.g. 2024-04-01T10:30:00-04:00',
  bad_number: 'nombre attendu / number expected',
  out_of_range: 'valeur hors des bornes permises / value out of the allowed range',
  bad_bool: 'booléen attendu : true ou false / boolean expected: true or false',
  bad_value: 'valeur non permise / value not allowed',
  unknown_channel: 'canal inconnu / unknown channel',
  bad_period: 'période illisible : 2019-04, 2019-Q2, 2018-2019, 2019 ou 2019-04-01 / unreadable period: 2019-04, 2019-Q2, 2018-2019, 2019 or 2019-04-01',
  bad_json: 'valeur JSON attendue / JSON value expected',
  inconsistent: 'champs incohérents entre eux / fields inconsistent with each other',
  unknown_org: 'organisation inconnue (--strict) : déclarez-la d’abord (jalon ingest organizations) / unknown organization (--strict): declare it first',
  unknown_service: 'service inconnu (--strict) : déclarez-le d’abord (jalon ingest services) / unknown service (--strict): declare it first',
  foreign_org: 'ligne d’une autre organisation que celle du jeton ou de --org / row for another organization than the token’s or --org',
  foreign_service: 'ce code de service appartient à une autre organisation : utilisez un code propre à la vôtre / this service code belongs to another organization: use a code of your own'
};
