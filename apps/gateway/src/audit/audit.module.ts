import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditLog } from './audit-log';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditReadModel } from './audit.read-model';

/** The audit trail: recorded for every call that changes something, read by admins. Global: the error filter records failures. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditLog, AuditReadModel, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
  exports: [AuditLog, AuditReadModel],
})
export class AuditModule {}
