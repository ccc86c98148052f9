// Inventory of organizations and their services with event counts: what the first page lists.
// Pages and the API read it through here, never from tables directly. Counts under the caller's small-count
// threshold (the one rule, access/suppression.ts) are withheld here, so no page can show them.
import type { Warehouse } from '../warehouse/warehouse.ts';
import { isSmallCount } from '../access/suppression.ts';

export interface ServiceInventory {
  code: string;
  name: { fr: string; en: string };
  /** null: fewer events than the small-count threshold (suppressed). */
  events: number | null;
  lastEventAt: string | null;
}

export interface OrganizationInventory {
  code: string;
  name: { fr: string; en: string };
  reporting: 'events' | 'aggregates';
  /** Sum of the services' shown counts (suppressed ones are left out, so they cannot be worked back). */
  events: number;
  services: ServiceInventory[];
}

interface Row {
  org: string;
  org_fr: string;
  org_en: string;
  reporting: string;
  service: string;
  service_fr: string;
  service_en: string;
  events: number;
  last_event_at: string | null;
}

/** Organizations (scoped to `orgs` when given) with each service's event count, largest first; a count above zero
 *  and under `threshold` is suppressed (null). */
export async function loadInventory(wh: Warehouse, scope: { orgs: readonly string[] | null; threshold?: number } = { orgs: null }): Promise<OrganizationInventory[]> {
  const threshold = scope.threshold ?? 0;
  const rows = await wh.query<Row>(
    `WITH counts AS (
        SELECT org, service, count() AS events, max(occurred_at) AS last_at
        FROM service_events
        WHERE {all:Bool} OR org IN {orgs:Array(String)}
        GROUP BY org, service
     )
     SELECT o.code AS org, o.name_fr AS org_fr, o.name_en AS org_en, o.reporting AS reporting,
            s.code AS service, s.name_fr AS service_fr, s.name_en AS service_en,
            ifNull(c.events, 0) AS events,
            if(c.events > 0, toString(c.last_at), NULL) AS last_event_at
     FROM (SELECT * FROM organizations FINAL WHERE {all:Bool} OR code IN {orgs:Array(String)}) AS o
     LEFT JOIN (SELECT * FROM services FINAL) AS s ON s.org = o.code
     LEFT JOIN counts AS c ON c.org = s.org AND c.service = s.code
     ORDER BY o.code, events DESC, s.code`,
    { all: scope.orgs === null, orgs: scope.orgs ?? [] },
    { settings: { join_use_nulls: 1 } }
  );
  const byOrg = new Map<string, OrganizationInventory>();
  for (const r of rows) {
    let org = byOrg.get(r.org);
    if (!org) {
      org = { code: r.org, name: { fr: r.org_fr, en: r.org_en }, reporting: r.reporting === 'aggregates' ? 'aggregates' : 'events', events: 0, services: [] };
      byOrg.set(r.org, org);
    }
    if (r.service) {
      const raw = Number(r.events ?? 0);
      const events = isSmallCount(raw, threshold) ? null : raw;
      org.events += events ?? 0;
      org.services.push({ code: r.service, name: { fr: r.service_fr, en: r.service_en }, events, lastEventAt: r.last_event_at });
    }
  }
  for (const org of byOrg.values()) org.services.sort((a, b) => (b.events ?? 0) - (a.events ?? 0) || a.code.localeCompare(b.code));
  return [...byOrg.values()].sort((a, b) => b.events - a.events || a.code.localeCompare(b.code));
}
