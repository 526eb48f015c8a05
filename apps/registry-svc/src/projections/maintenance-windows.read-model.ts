import { Injectable } from '@nestjs/common';
import type { MaintenanceWindowEvent } from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { maintenanceWindowsProjection } from './maintenance-windows.projection';

/** `registry.maintenance_windows` (and their nodes), kept current from the window events. */
@Injectable()
export class MaintenanceWindowsReadModel extends ReadModel<MaintenanceWindowEvent> {
  constructor(
    private readonly bus: Bus,
    db: Database,
    obs: Observability,
  ) {
    super({ bus, db, obs }, 'registry', 'maintenance', () => maintenanceWindowsProjection);
  }

  /** Resolves once the read model has applied everything up to `seq` (read-your-writes). */
  waitFor(seq: number, timeoutMs: number): Promise<void> {
    return this.runner.waitFor(seq, timeoutMs);
  }

  /** Resolves once it has applied what the stream held when asked. */
  catchUp(): Promise<void> {
    return this.runner.catchUp(this.bus.jsm);
  }
}
