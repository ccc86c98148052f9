// `jalon users`: accounts for sign-in. `add NAME --role R [--org X]... [--with-children] [--password-stdin | --oidc]`,
// `list`, `disable NAME`, `enable NAME`. A password is read from standard input or generated and printed once,
// never taken from the command line (it would stay in the shell history and the process list). While `jalon serve`
// holds the embedded folder, disable and enable go through its admin API (cli/operator.ts) and apply at once.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { listAccounts, saveAccount, ACCOUNT_ROLES } from '../../access/accounts.ts';
import { flushAudit, recordAudit } from '../../access/audit.ts';
import { setAccountDisabled } from '../../access/admin-actions.ts';
import { AccessError, type Role } from '../../access/caller.ts';
import { UsageError, type Command } from '../command.ts';
import { callServer, runningServer, ServerCallError } from '../operator.ts';

/** Who ran the command, for the audit log. */
function operator(): string {
  return `cli:${os.userInfo().username}`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/u, '');
}

export const usersCommand: Command = {
  name: 'users',
  async run(args, config) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        org: { type: 'string', multiple: true },
        'with-children': { type: 'boolean', default: false },
        'password-stdin': { type: 'boolean', default: false },
        oidc: { type: 'boolean', default: false },
        name: { type: 'string' },
        json: { type: 'boolean', default: false }
      }
    });
    const [action, username] = positionals;
    if (!action || !['add', 'list', 'disable', 'enable'].includes(action)) throw new UsageError('jalon users add|list|disable|enable — jalon help');
    if (action !== 'list' && !username) throw new UsageError(`jalon users ${action} NOM / NAME`);
    // A running server holds the folder: disabling and enabling go through it, so they apply at once.
    const server = action === 'disable' || action === 'enable' ? runningServer(config) : null;
    if (server) {
      try {
        await callServer(server, 'POST', `/api/v1/admin/users/${encodeURIComponent(username)}`, { disabled: action === 'disable' });
      } catch (err) {
        if (err instanceof ServerCallError) {
          process.stderr.write(`${err.message}\n`);
          return 2;
        }
        throw err;
      }
      process.stderr.write(`${username}: ${action === 'disable' ? 'désactivé / disabled' : 'réactivé / enabled'} (${server.url})\n`);
      return 0;
    }
    // Read the password before the warehouse opens: the embedded engine treats a piped standard input as data.
    const stdinPassword = action === 'add' && values['password-stdin'] ? await readStdin() : null;
    const wh = await openWarehouse(config.warehouse, { holder: 'jalon users', createDatabase: true });
    try {
      await migrate(wh);
      if (action === 'list') {
        const accounts = await listAccounts(wh);
        process.stdout.write(values.json ? JSON.stringify(accounts) + '\n' : accounts.map((a) => `${a.username}\t${a.role}\t${a.orgs.join(',')}${a.disabled ? '\t(désactivé / disabled)' : ''}`).join('\n') + '\n');
        return 0;
      }
      if (action === 'disable' || action === 'enable') {
        await setAccountDisabled(wh, { actor: operator() }, username, action === 'disable');
        process.stderr.write(`${username}: ${action === 'disable' ? 'désactivé / disabled' : 'réactivé / enabled'}\n`);
        return 0;
      }
      const role = values.role as Role | undefined;
      if (!role || !ACCOUNT_ROLES.includes(role)) throw new UsageError(`--role : ${ACCOUNT_ROLES.join(', ')}`);
      let password: string | null = null;
      let generated = false;
      if (stdinPassword !== null) password = stdinPassword;
      else if (!values.oidc) {
        password = randomBytes(12).toString('base64url');
        generated = true;
      }
      const account = await saveAccount(wh, {
        username,
        role,
        orgs: (values.org ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean),
        withChildren: values['with-children'],
        password,
        ...(values.name ? { displayName: values.name } : {})
      });
      await recordAudit(wh, { actor: operator(), role: 'admin', org: '', action: 'user_admin', target: account.username, ok: true, detail: { action: 'add', role: account.role, orgs: account.orgs } });
      if (values.json) process.stdout.write(JSON.stringify({ username: account.username, role: account.role, orgs: account.orgs, ...(generated ? { password } : {}) }) + '\n');
      else {
        process.stderr.write(`Compte enregistré / account saved: ${account.username} (${account.role}${account.orgs.length ? ` ${account.orgs.join(',')}` : ''})\n`);
        if (generated) process.stdout.write(`mot de passe / password: ${password}\n`);
      }
      return 0;
    } catch (err) {
      if (err instanceof AccessError) {
        process.stderr.write(`${err.message}\n`);
        return 2;
      }
      throw err;
    } finally {
      await flushAudit(wh);
      await wh.close();
    }
  }
};
