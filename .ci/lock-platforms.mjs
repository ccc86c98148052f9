// Keeps package-lock.json valid for `npm ci` when the registry this project installs from lacks chdb's
// prebuilt libraries for other platforms (only @chdb/lib-linux-x64-gnu is served here). npm drops those
// optional entries on `npm install`, then `npm ci` refuses the lock ("Missing: @chdb/lib-darwin-arm64").
// Run after any `npm install`: node .ci/lock-platforms.mjs
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const chdb = lock.packages['node_modules/chdb'];
const platforms = {
  '@chdb/lib-darwin-arm64': [['darwin'], ['arm64']],
  '@chdb/lib-darwin-x64': [['darwin'], ['x64']],
  '@chdb/lib-linux-arm64-gnu': [['linux'], ['arm64']],
  '@chdb/lib-linux-x64-gnu': [['linux'], ['x64']]
};
let added = 0;
for (const [name, [os, cpu]] of Object.entries(platforms)) {
  const key = `node_modules/${name}`;
  const version = chdb?.optionalDependencies?.[name];
  if (!version || lock.packages[key]) continue;
  lock.packages[key] = { version, license: 'Apache-2.0', optional: true, os, cpu };
  added++;
}
if (added) fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-platforms: ${added} optional platform entr${added === 1 ? 'y' : 'ies'} added`);
