import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  maintenanceWindowOperations,
  type MaintenanceWindowListReply,
  type MaintenanceWindowView,
  type PreviewMaintenanceWindowReply,
} from '@vigil/contracts';
import { Access } from '../auth/access';
import { Actor } from '../auth/principal';
import { ServiceClient } from '../http/service-client';
import { ApiSchemas, sentByClient } from '../http/api-schemas';

/**
 * Maintenance windows over REST (registry-svc answers): every node whose labels a window's
 * matchers select is in maintenance from its start to its end. Not for scoped API keys: a
 * window selects by labels across the whole fleet.
 */
@Controller('api/v1/maintenance-windows')
@Access('viewer')
export class MaintenanceWindowsController {
  constructor(private readonly services: ServiceClient) {}

  /** `?state=open|past&limit=`: open ones (scheduled, active) by start, then past ones newest first. */
  @Get()
  @ApiSchemas({ query: maintenanceWindowOperations.list.request, summary: 'List maintenance windows' })
  list(@Query() query: Record<string, unknown>): Promise<MaintenanceWindowListReply> {
    return this.services.ask(maintenanceWindowOperations.list, query);
  }

  /** `{ matchers, startsAt?, endsAt, reason }`: schedules a window (who did it is the caller). */
  @Post()
  @ApiSchemas({
    body: sentByClient(maintenanceWindowOperations.create.request, 'actor'),
    summary: 'Schedule a maintenance window',
  })
  @Access('operator')
  create(@Body() body: Record<string, unknown> | undefined, @Actor() actor: string): Promise<MaintenanceWindowView> {
    return this.services.ask(maintenanceWindowOperations.create, { ...body, actor });
  }

  /** `{ matchers, limit? }`: how many registered nodes a window would select now, and the first of them. */
  @Post('preview')
  @HttpCode(200)
  @ApiSchemas({
    body: maintenanceWindowOperations.preview.request,
    summary: 'The nodes a maintenance window would select now',
  })
  preview(@Body() body: Record<string, unknown> | undefined): Promise<PreviewMaintenanceWindowReply> {
    return this.services.ask(maintenanceWindowOperations.preview, { ...body });
  }

  /** Cancels a window: an active one stops now, a scheduled one never starts. */
  @Delete(':id')
  @Access('operator')
  cancel(@Param('id') windowId: string, @Actor() actor: string): Promise<MaintenanceWindowView> {
    return this.services.ask(maintenanceWindowOperations.cancel, { windowId, actor });
  }
}
