// What a page's chart exports say about themselves: scope (organization, service, channel), period in words, source
// ("Jalon — <metric sources>") and the file name carrying the filters. One place, so every page says it the same way.
import type { I18n } from '../i18n/index.ts';
import type { Shell } from '../server/pages.ts';
import type { Range } from '../filters.ts';
import { channelLabel } from '../i18n/index.ts';
import { exportName, type ExportContext } from './csv.ts';

/** `at`: the organization and service a page is about when they are in its address rather than in its filters. */
export function exportContext(
  i: I18n,
  shell: Shell,
  range: Range,
  metric: { id?: string; title?: string; sources?: readonly string[] } = {},
  at: { org?: string; service?: string } = {}
): ExportContext {
  const f = { ...shell.filters, ...(at.org ? { org: at.org } : {}), ...(at.service ? { service: at.service } : {}) };
  const org = f.org ? shell.options.orgs.find((o) => o.code === f.org) : undefined;
  const service = f.service ? shell.options.services.find((s) => s.code === f.service) : undefined;
  const scope = [
    f.org ? i.t('scorecard_scope_org', { org: org ? `${org.name[i.lang]} (${org.code})` : f.org }) : i.t('scorecard_scope_gov'),
    f.service ? (service?.name[i.lang] ?? f.service) : '',
    f.channel ? channelLabel(i, f.channel) : ''
  ].filter(Boolean);
  // The range is [from, to): the period in words ends the day before `to`.
  const last = new Date(Date.parse(`${range.to}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const sources = metric.sources?.length ? [...new Set(metric.sources)].join(', ') : '';
  return {
    subject: metric.title,
    scope: scope.join(' · '),
    period: i.t('period_range', { from: i.date(range.from), to: i.date(last) }),
    source: sources ? `Jalon — ${sources}` : 'Jalon',
    file: exportName([metric.id, f.org, f.service, f.channel, f.region, f.client_type, range.from, range.to])
  };
}
