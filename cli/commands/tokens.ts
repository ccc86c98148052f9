// `jalon tokens create --org X | list | revoke <id>`: producer tokens for the push API (shown once, stored hashed).
// While `jalon serve` holds the embedded folder, list and revoke go through its admin API and apply at once.
import { parseArgs } from 'node:util';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { createToken, listTokens } from '../../access/tokens.ts';
import { UsageError, type Command } from '../command.ts';
import { callServer, runningServer, ServerCallError } from '../operator.ts';
import { revokeProducerToken } from '../../access/admin-actions.ts';
import { flushAudit } from '../../access/audit.ts';
import { AccessError } from '../../access/caller.ts';
import os from 'node:os';

export const tokensCommand: Command = {
  name: 'tokens',
  async run(args, config) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { org: { type: 'string' }, label: { type: 'string' }, json: { type: 'boolean', default: false } }
    });
    const [action, id] = positionals;
    if (!action || !['create', 'list', 'revoke'].includes(action)) throw new UsageError('usage: jalon tokens create --org CODE | list | revoke <id>');
    if (action === 'create' && !values.org) throw new UsageError('jalon tokens create --org CODE : l’organisation est requise / --org is required');
    if (action === 'revoke' && !id) throw new UsageError('jalon tokens revoke <id>');
    const server = action === 'revoke' || action === 'list' ? runningServer(config) : null;
    if (server) {
      try {
        if (action === 'revoke') {
          await callServer(server, 'DELETE', `/api/v1/admin/tokens/${encodeURIComponent(id ?? '')}`);
          process.stderr.write(`Jeton ${id} révoqué / revoked (${server.url})\n`);
        } else {
          const { tokens } = await callServer<{ tokens: { token_id: string; org: string; created_at: string; revoked: boolean; label: string }[] }>(server, 'GET', '/api/v1/admin/tokens');
          if (values.json) process.stdout.write(JSON.stringify(tokens) + '\n');
          else for (const r of tokens) process.stdout.write(`${r.token_id}  ${r.org}  ${r.created_at}  ${r.revoked ? 'révoqué / revoked' : 'actif / active'}  ${r.label}\n`);
        }
        return 0;
      } catch (err) {
        if (err instanceof ServerCallError) {
          process.stderr.write(`${err.message}\n`);
          return 2;
        }
        throw err;
      }
    }
    const wh = await openWarehouse(config.warehouse, { holder: 'jalon tokens', createDatabase: true });
    try {
      await migrate(wh);
      if (action === 'create') {
        const t = await createToken(wh, values.org ?? '', values.label ?? '');
        if (values.json) process.stdout.write(JSON.stringify(t) + '\n');
        else {
          process.stderr.write(`Jeton créé pour / token created for ${t.org} (id ${t.token_id}). Conservez-le : il ne sera plus affiché / keep it: it will not be shown again.\n`);
          process.stdout.write(`${t.token}\n`);
        }
      } else if (action === 'list') {
        const rows = await listTokens(wh);
        if (values.json) process.stdout.write(JSON.stringify(rows) + '\n');
        else for (const r of rows) process.stdout.write(`${r.token_id}  ${r.org}  ${r.created_at}  ${r.revoked ? 'révoqué / revoked' : 'actif / active'}  ${r.label}\n`);
      } else {
        try {
          await revokeProducerToken(wh, { actor: `cli:${os.userInfo().username}` }, id ?? '');
        } catch (err) {
          if (err instanceof AccessError) throw new UsageError(err.message);
          throw err;
        }
        process.stderr.write(`Jeton ${id} révoqué / revoked\n`);
      }
    } finally {
      await flushAudit(wh);
      await wh.close();
    }
    return 0;
  }
};
