import { Body, Controller, Delete, Get, HttpCode, Ip, Param, Post, Put } from '@nestjs/common';
import {
  type ApplyRulesReply,
  type RuleChange,
  type RuleListReply,
  ruleOperations,
  ValidationError,
} from '@vigil/contracts';
import { gatewayActor, ServiceClient } from '../http/service-client';

/**
 * Alert rules over REST; alert-svc answers over NATS request/reply and records every change
 * as an event. The gateway has no users yet, so a change is recorded as made by
 * `gateway:<client address>`.
 */
@Controller('api/v1/alerts/rules')
export class RulesController {
  constructor(private readonly services: ServiceClient) {}

  @Get()
  list(): Promise<RuleListReply> {
    return this.services.ask(ruleOperations.list, {});
  }

  /** Makes the rules what the body's `rules` say (`prune`, `dryRun` as in `vigil rules apply`). */
  @Post('apply')
  @HttpCode(200)
  apply(@Body() body: Record<string, unknown> | undefined, @Ip() ip: string): Promise<ApplyRulesReply> {
    return this.services.ask(ruleOperations.apply, { ...body, actor: gatewayActor(ip) });
  }

  /** Creates or replaces one rule; the body is the rule, its `id` the one in the path. */
  @Put(':id')
  upsert(
    @Param('id') id: string,
    @Body() rule: Record<string, unknown> | undefined,
    @Ip() ip: string,
  ): Promise<RuleChange> {
    if (rule?.id !== undefined && rule.id !== id)
      throw new ValidationError(`the rule's id "${String(rule.id)}" is not the one in the path ("${id}")`);
    return this.services.ask(ruleOperations.upsert, { rule: { ...rule, id }, actor: gatewayActor(ip) });
  }

  @Post(':id/enable')
  @HttpCode(200)
  enable(@Param('id') ruleId: string, @Ip() ip: string): Promise<RuleChange> {
    return this.services.ask(ruleOperations.enable, { ruleId, actor: gatewayActor(ip) });
  }

  @Post(':id/disable')
  @HttpCode(200)
  disable(@Param('id') ruleId: string, @Ip() ip: string): Promise<RuleChange> {
    return this.services.ask(ruleOperations.disable, { ruleId, actor: gatewayActor(ip) });
  }

  @Delete(':id')
  remove(@Param('id') ruleId: string, @Ip() ip: string): Promise<RuleChange> {
    return this.services.ask(ruleOperations.delete, { ruleId, actor: gatewayActor(ip) });
  }
}
