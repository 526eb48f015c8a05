import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The OpenID Provider identity a single sign-on user signs in as (`user.sso_linked`), one user per identity. */
export class GatewaySsoUsers1765400000000 implements MigrationInterface {
  name = 'GatewaySsoUsers1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE gateway.users ADD COLUMN sso_issuer text, ADD COLUMN sso_subject text');
    await q.query(
      'CREATE UNIQUE INDEX users_sso_identity ON gateway.users (sso_issuer, sso_subject) WHERE sso_issuer IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX gateway.users_sso_identity');
    await q.query('ALTER TABLE gateway.users DROP COLUMN sso_subject, DROP COLUMN sso_issuer');
  }
}
