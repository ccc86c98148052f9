// `jalon digest subscribe | unsubscribe | list | send`: users' digest subscriptions, and one digest sent now to an
// account's own address (with the scorecard PDF printed as that account). `send` works beside a running serve (through
// its API) and without one (the dashboard is served on a loopback port for the PDF while the command runs).
import { parseArgs } from 'node:util';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { buildDashboard, buildIsStale, serveHttp } from '../../dashboard/serve.ts';
import { withPort } from '../../config/config.ts';
import { DigestError, listSubscriptions, sendDigest, subscribe, type DigestSent, type Frequency } from '../../jobs/digest.ts';
import { withWarehouseOrServer } from '../server-bridge.ts';
import { UsageError, type Command } from '../command.ts';

export const digestCommand: Command = {
  name: 'digest',
  async run(args, config) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { user: { type: 'string' }, org: { type: 'string' }, every: { type: 'string', default: 'monthly' }, lang: { type: 'string' }, email: { type: 'string' }, json: { type: 'boolean', default: false } }
    });
    const [action] = positionals;
    const log = (l: string) => (values.json ? undefined : process.stderr.write(`${l}\n`));
    try {
      if (action === 'send') {
        if (!values.user) throw new UsageError('digest send: --user NAME');
        const user = values.user;
        const sent = await withWarehouseOrServer<DigestSent[]>(
          config,
          'jalon digest',
          async (wh) => {
            if (buildIsStale()) await buildDashboard(log);
            const metrics = createMetricsService(wh, config);
            const local = withPort(config, 0);
            const http = await serveHttp({ config: local, warehouse: wh, metrics });
            try {
              return await sendDigest({ warehouse: wh, config, metrics, now: () => new Date(), log, appUrl: http.url }, user, values.org ?? null);
            } finally {
              await http.close();
            }
          },
          async (server) => (await server.call<{ sent: DigestSent[] }>('POST', '/api/v1/digests/send', { user, ...(values.org ? { org: values.org } : {}) })).sent
        );
        if (values.json) process.stdout.write(JSON.stringify({ sent }) + '\n');
        else for (const s of sent) process.stdout.write(`${s.username} → ${s.to} (${s.org}): ${s.status}${s.error ? ` — ${s.error}` : ''}\n`);
        return sent.every((s) => s.status === 'sent') ? 0 : 1;
      }
      if (action !== 'subscribe' && action !== 'unsubscribe' && action !== 'list') throw new UsageError('usage: jalon digest subscribe | unsubscribe | list | send (jalon help)');
      const wh = await openWarehouse(config.warehouse, { holder: 'jalon digest', createDatabase: true });
      try {
        await migrate(wh);
        if (action === 'list') {
          const subs = await listSubscriptions(wh);
          if (values.json) process.stdout.write(JSON.stringify(subs.map(({ token: _token, ...s }) => s)) + '\n');
          else for (const s of subs) process.stdout.write(`${s.username.padEnd(24)} ${s.org.padEnd(12)} ${s.frequency.padEnd(8)} ${s.lang} ${s.active ? 'actif / active' : 'désabonné / unsubscribed'} ${s.last_sent_at ?? '—'}\n`);
          return 0;
        }
        if (!values.user || !values.org) throw new UsageError(`digest ${action}: --user NAME --org CODE`);
        if (action === 'unsubscribe') {
          const sub = (await listSubscriptions(wh, values.user)).find((s) => s.org === values.org);
          if (!sub) throw new UsageError(`${values.user} n'est pas abonné à / is not subscribed to ${values.org}`);
          await wh.insert('digest_subscriptions', [{ ...sub, active: false, updated_at: new Date().toISOString().replace('T', ' ').replace('Z', '') }]);
          process.stderr.write(`${values.user} / ${values.org}: désabonné / unsubscribed\n`);
          return 0;
        }
        if (values.lang !== undefined && values.lang !== 'fr' && values.lang !== 'en') throw new UsageError(`--lang "${values.lang}": fr ou/or en`);
        const sub = await subscribe(wh, { username: values.user, org: values.org, frequency: values.every as Frequency, ...(values.lang ? { lang: values.lang as 'fr' | 'en' } : {}), ...(values.email !== undefined ? { email: values.email } : {}) });
        process.stderr.write(`${sub.username} / ${sub.org}: ${sub.frequency}, ${sub.lang}\n`);
        return 0;
      } finally {
        await wh.close();
      }
    } catch (err) {
      if (err instanceof DigestError) throw new UsageError(err.message);
      throw err;
    }
  }
};
