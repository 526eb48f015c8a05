import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  type ApplyRulesReply,
  type PreviewRuleReply,
  type RuleChange,
  type RuleListReply,
  ruleOperations,
  ValidationError,
} from '@vigil/contracts';
import { ReadOnly } from '../audit/read-only';
import { Access } from '../auth/access';
import { Actor } from '../auth/principal';
import { ServiceClient } from '../http/service-client';
import { ApiSchemas, sentByClient } from '../http/api-schemas';

/**
 * Alert rules over REST; alert-svc answers over NATS request/reply and records every change
 * as an event, made by the authenticated caller (`user:<name>` or `key:<id>`). Reading needs
 * the role viewer, changing operator.
 */
@Controller('api/v1/alerts/rules')
@Access('viewer')
export class RulesController {
  constructor(private readonly services: ServiceClient) {}

  @Get()
  list(): Promise<RuleListReply> {
    return this.services.ask(ruleOperations.list, {});
  }

  /** Makes the rules what the body's `rules` say (`prune`, `dryRun` as in `vigil rules apply`). */
  @Post('apply')
  @ApiSchemas({
    body: sentByClient(ruleOperations.apply.request, 'actor'),
    summary: 'Make the rules what the body says',
  })
  @Access('operator')
  @HttpCode(200)
  apply(@Body() body: Record<string, unknown> | undefined, @Actor() actor: string): Promise<ApplyRulesReply> {
    return this.services.ask(ruleOperations.apply, { ...body, actor: actor });
  }

  /**
   * Which alerts a proposed rule (not saved) would have now: alert-svc runs it through the live
   * evaluators over the samples and events it can read (body `{ "rule": {...} }`). Changes nothing.
   */
  @Post('preview')
  @ApiSchemas({ body: ruleOperations.preview.request, summary: 'What a proposed rule would fire now' })
  @Access('operator')
  @ReadOnly()
  @HttpCode(200)
  preview(@Body() body: Record<string, unknown> | undefined): Promise<PreviewRuleReply> {
    return this.services.ask(ruleOperations.preview, { ...body });
  }

  /** Creates or replaces one rule; the body is the rule, its `id` the one in the path. */
  @Put(':id')
  @ApiSchemas({ body: ruleOperations.upsert.request.shape.rule, summary: 'Create or replace one rule' })
  @Access('operator')
  upsert(
    @Param('id') id: string,
    @Body() rule: Record<string, unknown> | undefined,
    @Actor() actor: string,
  ): Promise<RuleChange> {
    if (rule?.id !== undefined && rule.id !== id)
      throw new ValidationError(`the rule's id "${String(rule.id)}" is not the one in the path ("${id}")`);
    return this.services.ask(ruleOperations.upsert, { rule: { ...rule, id }, actor: actor });
  }

  @Post(':id/enable')
  @Access('operator')
  @HttpCode(200)
  enable(@Param('id') ruleId: string, @Actor() actor: string): Promise<RuleChange> {
    return this.services.ask(ruleOperations.enable, { ruleId, actor: actor });
  }

  @Post(':id/disable')
  @Access('operator')
  @HttpCode(200)
  disable(@Param('id') ruleId: string, @Actor() actor: string): Promise<RuleChange> {
    return this.services.ask(ruleOperations.disable, { ruleId, actor: actor });
  }

  @Delete(':id')
  @Access('operator')
  remove(@Param('id') ruleId: string, @Actor() actor: string): Promise<RuleChange> {
    return this.services.ask(ruleOperations.delete, { ruleId, actor: actor });
  }
}
