// The cluster layout as text: the ON CLUSTER statements a real cluster with Keeper runs, ReplicatedMergeTree with
// {shard}/{replica} macros, and sharding keys. These servers cannot run ON CLUSTER or Keeper (shared notes), so
// this mode is checked as text; the per-node mode runs for real in tests/integration/cluster.test.ts.
import { describe, expect, it } from 'vitest';
import { LayoutPlanner, planStatements, replicatedEngine, shardingKeyOf, type ClusterLayout } from '../../warehouse/cluster-layout.ts';
import { loadMigrations } from '../../warehouse/migrate.ts';

const onCluster: ClusterLayout = { cluster: 'gov', database: 'jalon', localDatabase: 'jalon_local', ddl: 'on_cluster', replicated: true };
const perNode: ClusterLayout = { ...onCluster, ddl: 'per_node', replicated: false };
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('cluster layout, ON CLUSTER and replicated (text)', () => {
  it('creates a replicated local table on every replica and a Distributed table over it, sharded by organization', () => {
    const planned = planStatements(onCluster, [
      `CREATE TABLE IF NOT EXISTS visits (org LowCardinality(String), day Date, n UInt64, ingested_at DateTime64(3, 'UTC'))
       ENGINE = ReplacingMergeTree(ingested_at) PARTITION BY toYear(day) ORDER BY (org, day)`
    ]);
    expect(planned.map((p) => [p.target, p.database, flat(p.sql)])).toEqual([
      [
        'on_cluster', 'jalon_local',
        "CREATE TABLE IF NOT EXISTS `jalon_local`.`visits` ON CLUSTER `gov` (org LowCardinality(String), day Date, n UInt64, ingested_at DateTime64(3, 'UTC')) " +
          "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', ingested_at) PARTITION BY toYear(day) ORDER BY (org, day)"
      ],
      [
        'on_cluster', 'jalon',
        'CREATE TABLE IF NOT EXISTS `jalon`.`visits` ON CLUSTER `gov` AS `jalon_local`.`visits` ENGINE = Distributed(`gov`, `jalon_local`, `visits`, cityHash64(org))'
      ]
    ]);
  });

  it('puts materialized views on the shards, column changes on both tables, indexes on the local one only, data once', () => {
    const planner = new LayoutPlanner(onCluster);
    planner.plan('CREATE TABLE t (org String, x UInt8) ENGINE = MergeTree ORDER BY org');
    planner.plan('CREATE TABLE t_sum (org String, x SimpleAggregateFunction(sum, UInt64)) ENGINE = AggregatingMergeTree ORDER BY org');
    const mv = planner.plan('CREATE MATERIALIZED VIEW IF NOT EXISTS t_mv TO t_sum AS SELECT org, sum(x) AS x FROM t GROUP BY org');
    expect(mv.map((p) => [p.target, p.database, flat(p.sql)])).toEqual([
      ['on_cluster', 'jalon_local', 'CREATE MATERIALIZED VIEW IF NOT EXISTS `jalon_local`.`t_mv` ON CLUSTER `gov` TO t_sum AS SELECT org, sum(x) AS x FROM t GROUP BY org']
    ]);
    const alter = planner.plan('ALTER TABLE t ADD COLUMN IF NOT EXISTS y UInt8 DEFAULT 1, ADD INDEX IF NOT EXISTS i x TYPE minmax GRANULARITY 1');
    expect(alter.map((p) => flat(p.sql))).toEqual([
      'ALTER TABLE `jalon_local`.`t` ON CLUSTER `gov` ADD COLUMN IF NOT EXISTS y UInt8 DEFAULT 1, ADD INDEX IF NOT EXISTS i x TYPE minmax GRANULARITY 1',
      'ALTER TABLE `jalon`.`t` ON CLUSTER `gov` ADD COLUMN IF NOT EXISTS y UInt8 DEFAULT 1'
    ]);
    expect(planner.plan('DROP VIEW IF EXISTS t_mv').map((p) => [p.database, flat(p.sql)])).toEqual([
      ['jalon_local', 'DROP VIEW IF EXISTS `jalon_local`.`t_mv` ON CLUSTER `gov`']
    ]);
    expect(planner.plan("INSERT INTO t VALUES ('A', 1)")).toEqual([{ target: 'once', database: 'jalon', sql: "INSERT INTO t VALUES ('A', 1)" }]);
    expect(planner.plan('TRUNCATE TABLE t').map((p) => flat(p.sql))).toEqual(['TRUNCATE TABLE `jalon_local`.`t` ON CLUSTER `gov`']);
    expect(planner.plan('CREATE VIEW IF NOT EXISTS v AS SELECT org FROM t').map((p) => [p.target, flat(p.sql)])).toEqual([
      ['on_cluster', 'CREATE VIEW IF NOT EXISTS v ON CLUSTER `gov` AS SELECT org FROM t']
    ]);
    expect(planner.plan('DROP TABLE IF EXISTS t').map((p) => [p.database, flat(p.sql)])).toEqual([
      ['jalon', 'DROP TABLE IF EXISTS `jalon`.`t` ON CLUSTER `gov`'],
      ['jalon_local', 'DROP TABLE IF EXISTS `jalon_local`.`t` ON CLUSTER `gov`']
    ]);
  });

  it('lays out every shipped migration: each MergeTree table gets a Distributed twin, each engine becomes replicated', () => {
    const planned = planStatements(onCluster, loadMigrations().flatMap((m) => m.statements));
    expect(planned.every((p) => p.target !== 'each_node')).toBe(true);
    const locals = planned.filter((p) => /^CREATE TABLE/.test(p.sql) && p.database === 'jalon_local');
    const twins = planned.filter((p) => /ENGINE = Distributed/.test(p.sql));
    expect(locals.length).toBeGreaterThanOrEqual(25);
    // Every local table has its Distributed twin of the same name (a RENAME makes one more: sql/schema/141).
    const nameOf = (sql: string) => /^CREATE (?:OR REPLACE )?TABLE (?:IF NOT EXISTS )?`[^`]+`\.`([^`]+)`/.exec(sql)?.[1];
    const twinNames = new Set(twins.map((p) => nameOf(p.sql)));
    for (const p of locals) expect(twinNames.has(nameOf(p.sql)), p.sql.slice(0, 80)).toBe(true);
    expect(twins.length).toBe(locals.length + planned.filter((p) => /^RENAME TABLE `jalon_local`/.test(p.sql)).length);
    for (const p of locals) expect(p.sql).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'/);
    // Everything but data (an INSERT runs once, through the Distributed table) carries ON CLUSTER.
    expect(planned.filter((p) => p.target !== 'once' && !p.sql.includes('ON CLUSTER'))).toEqual([]);
  });

  it('shards by organization, else by the first sorting column, always a function of the sorting key', () => {
    expect(shardingKeyOf(['org', 'day'], ['org', 'day'])).toBe('cityHash64(org)');
    expect(shardingKeyOf(['step_index', 'org'], ['step_index', 'org'])).toBe('cityHash64(org)');
    expect(shardingKeyOf(['code', 'name'], ['code'])).toBe('cityHash64(`code`)');
    // `org` outside the sorting key would split a replaced row's versions across shards: not used.
    expect(shardingKeyOf(['id', 'org'], ['id'])).toBe('cityHash64(`id`)');
    expect(shardingKeyOf(['at', 'x'], ['toDate(at)', 'x'])).toBe('cityHash64(toDate(at), x)');
    expect(shardingKeyOf(['x'], [])).toBe('rand()');
  });

  it('leaves engines that are not MergeTree as they are, on every node', () => {
    expect(replicatedEngine('CREATE TABLE m (x UInt8) ENGINE = Memory')).toBe('CREATE TABLE m (x UInt8) ENGINE = Memory');
    expect(planStatements(perNode, ['CREATE TABLE IF NOT EXISTS m (x UInt8) ENGINE = Memory']).map((p) => [p.target, p.database, p.sql])).toEqual([
      ['each_node', 'jalon', 'CREATE TABLE IF NOT EXISTS `jalon`.`m` (x UInt8) ENGINE = Memory']
    ]);
  });
});
