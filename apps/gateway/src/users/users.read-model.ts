import { Injectable } from '@nestjs/common';
import type { Role, UserEvent, UserView } from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { usersProjection } from './users.projection';

interface UserRow {
  username: string;
  role: Role;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
  password_changed_at: Date | null;
}

const COLUMNS = 'username, role, disabled, created_at, updated_at, updated_by, password_changed_at';

/** The users read model (`gateway.users`), kept by this replica's projection runner. */
@Injectable()
export class UsersReadModel extends ReadModel<UserEvent> {
  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
  ) {
    // Started at module init: the first admin is created from it in a bootstrap hook.
    super({ bus, db, obs }, 'gateway', 'user', () => usersProjection, 'init');
  }

  /** Read-your-writes after a command: resolves once `seq` is applied. */
  waitFor(seq: number): Promise<void> {
    return this.runner.waitFor(seq);
  }

  async list(): Promise<UserView[]> {
    await this.runner.catchUp(this.bus.jsm);
    const rows = await this.db.query<UserRow>('users_list', `SELECT ${COLUMNS} FROM gateway.users ORDER BY username`);
    return rows.map(view);
  }

  /** The user as of the newest user event in the stream now. */
  async get(username: string): Promise<UserView | undefined> {
    await this.runner.catchUp(this.bus.jsm);
    const [row] = await this.db.query<UserRow>(
      'users_get',
      `SELECT ${COLUMNS} FROM gateway.users WHERE username = $1`,
      [username],
    );
    return row && view(row);
  }

  /** The user who signs in through single sign-on as this identity. */
  async findBySso(issuer: string, subject: string): Promise<UserView | undefined> {
    await this.runner.catchUp(this.bus.jsm);
    const [row] = await this.db.query<UserRow>(
      'users_get_sso',
      `SELECT ${COLUMNS} FROM gateway.users WHERE sso_issuer = $1 AND sso_subject = $2`,
      [issuer, subject],
    );
    return row && view(row);
  }

  async hasActiveAdmin(): Promise<boolean> {
    await this.runner.catchUp(this.bus.jsm);
    const rows = await this.db.query(
      'users_admin_exists',
      `SELECT 1 FROM gateway.users WHERE role = 'admin' AND NOT disabled LIMIT 1`,
    );
    return rows.length > 0;
  }
}

function view(r: UserRow): UserView {
  return {
    username: r.username,
    role: r.role,
    disabled: r.disabled,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    updatedBy: r.updated_by,
    passwordChangedAt: r.password_changed_at?.toISOString() ?? null,
  };
}
