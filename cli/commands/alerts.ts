// `jalon alerts evaluate | list`: evaluates every alert rule now (as the rollups job does after each refresh), or
// lists the alerts and the notifications that did not go out. Works with or without a running `jalon serve`: when
// the server holds the embedded data folder, the command goes through its API (cli/server-bridge.ts).
import { parseArgs } from 'node:util';
import { createMetricsService } from '../../metrics/service.ts';
import { evaluateAlerts, type EvaluationResult } from '../../jobs/alert-evaluate.ts';
import { listAlerts, type AlertRecord } from '../../jobs/alert-store.ts';
import { undelivered, type DeliveryRow } from '../../jobs/notify.ts';
import { OPERATOR_CALLER } from '../../access/operator-key.ts';
import { withWarehouseOrServer } from '../server-bridge.ts';
import { UsageError, type Command } from '../command.ts';

interface Listing {
  alerts: AlertRecord[];
  undelivered: DeliveryRow[];
}

export const alertsCommand: Command = {
  name: 'alerts',
  async run(args, config) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } } });
    const [action] = positionals;
    if (action === 'evaluate') {
      const log = (l: string) => (values.json ? undefined : process.stderr.write(`${l}\n`));
      const result = await withWarehouseOrServer<EvaluationResult>(
        config,
        'jalon alerts',
        (wh) => evaluateAlerts({ warehouse: wh, config, metrics: createMetricsService(wh, config), now: () => new Date(), log }),
        (server) => server.call('POST', '/api/v1/alerts/evaluate')
      );
      if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        for (const a of result.fired) process.stdout.write(`+ ${a.rule_id} ${a.scope}: ${a.summary.fr}\n`);
        for (const a of result.resolved) process.stdout.write(`- ${a.rule_id} ${a.scope}: résolue / resolved\n`);
        for (const e of result.errors) process.stderr.write(`! ${e.rule_id || '—'}: ${e.error}\n`);
        process.stdout.write(`${result.fired.length} déclenchée(s) / fired, ${result.resolved.length} résolue(s) / resolved, ${result.open} ouverte(s) / open; notifications: ${result.notifications.sent} envoyée(s) / sent, ${result.notifications.failed} en échec / failed\n`);
      }
      return result.errors.length ? 1 : 0;
    }
    if (action === 'list') {
      const state = values.all ? 'all' : 'open';
      const listing = await withWarehouseOrServer<Listing>(
        config,
        'jalon alerts',
        async (wh) => ({ alerts: await listAlerts(wh, OPERATOR_CALLER, { state }), undelivered: await undelivered(wh) }),
        (server) => server.call('GET', `/api/v1/alerts?state=${state}`)
      );
      if (values.json) process.stdout.write(JSON.stringify(listing) + '\n');
      else {
        if (listing.alerts.length === 0) process.stdout.write(`aucune alerte ${state === 'open' ? 'ouverte ' : ''}/ no ${state === 'open' ? 'open ' : ''}alerts\n`);
        for (const a of listing.alerts) process.stdout.write(`${a.state.padEnd(9)} ${a.opened_at}  ${a.rule_id}  ${a.scope}  ${a.summary.fr}\n`);
        for (const d of listing.undelivered) process.stdout.write(`notification ${d.status} (${d.attempts}) ${d.target}: ${d.last_error}\n`);
      }
      return 0;
    }
    throw new UsageError('usage: jalon alerts evaluate | list [--all] [--json]');
  }
};
