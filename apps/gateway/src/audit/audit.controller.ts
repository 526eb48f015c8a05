import { Controller, Get, Query } from '@nestjs/common';
import { AuditQuery, type AuditRecordView, validate } from '@vigil/contracts';
import { Access } from '../auth/access';
import { AuditReadModel } from './audit.read-model';
import { ApiSchemas } from '../http/api-schemas';

/** The audit trail (admins): `actor`, `action`, `target` (a path or its beginning), `requestId`, `outcome`, `q` (text in the actor, action, target or what was sent), `since`, `until`, `limit`, `before`. */
@Controller('api/v1/audit')
@Access('admin')
export class AuditController {
  constructor(private readonly readModel: AuditReadModel) {}

  @Get()
  @ApiSchemas({ query: AuditQuery, summary: 'The audit trail, newest first' })
  page(@Query() q: Record<string, unknown>): Promise<{ items: AuditRecordView[]; next: number | null }> {
    return this.readModel.page(validate(AuditQuery, q, 'audit query'));
  }
}
