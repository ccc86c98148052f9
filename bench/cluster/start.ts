// A two-shard ClickHouse cluster on loopback for trying Jalon by hand (issue 17, "Done when" 2): the test set-up's
// cluster (tests/support/clickhouse-cluster.ts), kept until Ctrl-C. Prints the variables to export and each shard's URL.
//   node --import tsx bench/cluster/start.ts [--shards 2]
// then, in another terminal: export the two variables, `node bin/jalon.js migrate`, `node bin/jalon.js demo …`.
import { parseArgs } from 'node:util';
import { startClickHouseCluster } from '../../tests/support/clickhouse-cluster.ts';

const { values } = parseArgs({ options: { shards: { type: 'string', default: '2' } } });
const cluster = await startClickHouseCluster({ shards: Number(values.shards) });
process.stdout.write(`export CLICKHOUSE_URL=${cluster.url} CLICKHOUSE_CLUSTER=${cluster.cluster}\n`);
for (const [i, n] of cluster.nodes.entries()) process.stdout.write(`# shard ${i + 1}: ${n.url}\n`);
process.stdout.write('# Ctrl-C arrête la grappe / stops the cluster\n');
const stop = async () => {
  for (const n of cluster.nodes) {
    const d = n.diagnostics();
    if (d.exited) process.stderr.write(`shard ${n.url}: exit ${String(d.exitCode)}, signal ${String(d.signal)}\n${d.stderr}\n`);
  }
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
