// Small organization-tree data for access and sandbox tests: a ministry (MIN) with one agency below it (AG1) and an
// unrelated organization (OTH), 3,000 events spread evenly, a few survey responses. Counts are exact by construction.
import type { Warehouse } from '../../warehouse/warehouse.ts';

export const ORGS = ['MIN', 'AG1', 'OTH'] as const;
export const EVENTS_PER_ORG = 1000;

export async function seedAccessData(wh: Warehouse): Promise<void> {
  await wh.insert('organizations', [
    { code: 'MIN', name_fr: 'Ministère', name_en: 'Ministry', parent_code: '', kind: 'ministere' },
    { code: 'AG1', name_fr: 'Agence 1', name_en: 'Agency 1', parent_code: 'MIN', kind: 'organisme' },
    { code: 'OTH', name_fr: 'Autre', name_en: 'Other', parent_code: '', kind: 'organisme' }
  ]);
  await wh.insert(
    'services',
    ORGS.map((org) => ({ org, code: `${org.toLowerCase()}-permis`, name_fr: 'Permis', name_en: 'Permit', launched_on: '2020-01-01', baseline_minutes: {}, unit_cost_cad: {} }))
  );
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < EVENTS_PER_ORG * ORGS.length; i++) {
    const org = ORGS[i % ORGS.length];
    events.push({
      org,
      service: `${org.toLowerCase()}-permis`,
      occurred_at: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
      event_id: `e${i}`,
      journey_id: `j${Math.floor(i / 3)}`,
      type: i % 2 ? 'completed' : 'started',
      outcome: i % 2 ? 'success' : '',
      channel: i % 4 ? 'web' : 'phone'
    });
  }
  await wh.insert('service_events', events);
  await wh.insert(
    'survey_responses',
    ORGS.flatMap((org, k) =>
      [1, 2, 3, 4, 5].map((s) => ({ org, service: `${org.toLowerCase()}-permis`, submitted_at: '2024-02-01T12:00:00Z', response_id: `${org}-${s}`, channel: 'web', satisfaction: ((s + k) % 5) + 1 }))
    )
  );
}
