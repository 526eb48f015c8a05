import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The node list's order (`ORDER BY hostname, id`) as an index, so a page is read by walking it
 * instead of sorting the whole table on every request (10,000 nodes: ~60–100 ms of sorting on
 * the bench machine, see bench/README.md `gateway`). It replaces the index on hostname alone,
 * which it covers.
 */
export class NodesListOrder1765400000000 implements MigrationInterface {
  name = 'NodesListOrder1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX nodes_hostname_id_idx ON registry.nodes (hostname, id)');
    await q.query('DROP INDEX registry.nodes_hostname_idx');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX nodes_hostname_idx ON registry.nodes (hostname)');
    await q.query('DROP INDEX registry.nodes_hostname_id_idx');
  }
}
