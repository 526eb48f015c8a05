import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { IllegalStateError } from '@vigil/contracts';
import { InjectConfig, Observability, type ServiceConfig } from '@vigil/platform';
import type { GatewayEnv } from '../config';
import { UserCommands } from './user.commands';
import { UsersReadModel } from './users.read-model';

export const FIRST_ADMIN = 'admin';

/**
 * First start: while no active admin exists, creates the user `admin` with the password of
 * `VIGIL_ADMIN_PASSWORD` (never logged). Replicas starting together race on the aggregate's
 * first event; the losers find it exists.
 */
@Injectable()
export class FirstAdmin implements OnApplicationBootstrap {
  constructor(
    private readonly readModel: UsersReadModel,
    private readonly commands: UserCommands,
    private readonly obs: Observability,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.readModel.hasActiveAdmin()) return;
    const password = this.config.VIGIL_ADMIN_PASSWORD;
    if (!password) {
      this.obs.logger.warn('no admin user exists and VIGIL_ADMIN_PASSWORD is not set: nobody can log in');
      return;
    }
    try {
      await this.commands.create(FIRST_ADMIN, 'admin', password, 'service:gateway');
      this.obs.logger.info({ username: FIRST_ADMIN }, 'created the first admin user from VIGIL_ADMIN_PASSWORD');
    } catch (e) {
      if (!(e instanceof IllegalStateError)) throw e;
      this.obs.logger.warn(
        { username: FIRST_ADMIN },
        'no active admin, and the user "admin" exists (disabled or not an admin): left as it is',
      );
    }
  }
}
