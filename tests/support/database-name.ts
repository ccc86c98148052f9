// The name of a test's own database on the shared test ClickHouse server.
import { randomUUID } from 'node:crypto';

/** Every test file that makes a database on the shared server names it so: the sandbox test, which checks that
 *  none of its hostile queries created a database, leaves out exactly the names that match TEST_DATABASE_PATTERN. */
export function testDatabaseName(): string {
  return `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** Jalon's database of a test, its analyst views (`_analyst`) and, on the cluster, its shards' tables (`_local`). */
export const TEST_DATABASE_PATTERN = '^t_[0-9a-f]{16}(_analyst|_local)?$';
