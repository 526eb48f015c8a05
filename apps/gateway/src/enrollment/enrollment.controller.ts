import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  enrollmentTokenCommands,
  type EnrollmentTokenView,
  identityCommands,
  type ListEnrollmentTokensReply,
  ListEnrollmentTokensRequest,
  validate,
  type z,
} from '@vigil/contracts';
import { Access } from '../auth/access';
import { Actor } from '../auth/principal';
import { ServiceClient } from '../http/service-client';
import { ApiSchemas, sentByClient } from '../http/api-schemas';

type CreateEnrollmentTokenReply = z.infer<typeof identityCommands.createEnrollmentToken.reply>;
type RevokeNodeReply = z.infer<typeof identityCommands.revokeNode.reply>;
type RekeyNodeReply = z.infer<typeof identityCommands.rekeyNode.reply>;

/**
 * Enrollment tokens and node revocation (admins), through registry-svc's identity commands.
 * The token is in the answer once; registry-svc keeps only its hash, and the list never shows
 * either. Tokens and revocations are recorded as made by the caller (`user:<name>`, `key:<id>`).
 */
@Controller('api/v1')
@Access('admin')
export class EnrollmentController {
  constructor(private readonly services: ServiceClient) {}

  /** `{ nodeId?, ttlSeconds?, note? }`: a one-time token that enrolls that node (or one it issues). */
  @Post('enrollment-tokens')
  @ApiSchemas({
    body: sentByClient(identityCommands.createEnrollmentToken.request, 'actor'),
    summary: 'A one-time enrollment token',
  })
  createToken(
    @Body() body: Record<string, unknown> | undefined,
    @Actor() actor: string,
  ): Promise<CreateEnrollmentTokenReply> {
    return this.services.ask(identityCommands.createEnrollmentToken, { ...body, actor });
  }

  /** `?state=unused|used|expired|revoked&limit=&offset=`, newest first; never the token itself. */
  @Get('enrollment-tokens')
  @ApiSchemas({ query: ListEnrollmentTokensRequest, summary: 'Enrollment tokens (without their secret)' })
  listTokens(@Query() query: Record<string, unknown>): Promise<ListEnrollmentTokensReply> {
    return this.services.ask(
      enrollmentTokenCommands.listEnrollmentTokens,
      validate(ListEnrollmentTokensRequest, query, 'query'),
    );
  }

  /** Revokes an unused token (409 if it was used, expired or already revoked). */
  @Delete('enrollment-tokens/:id')
  @ApiSchemas({ summary: 'Revoke an unused enrollment token' })
  revokeToken(@Param('id') tokenId: string, @Actor() actor: string): Promise<EnrollmentTokenView> {
    return this.services.ask(enrollmentTokenCommands.revokeEnrollmentToken, { tokenId, actor });
  }

  /** `{ reason }`: the node's key is no longer accepted. */
  @Post('nodes/:id/revoke')
  @ApiSchemas({
    body: sentByClient(identityCommands.revokeNode.request, 'nodeId', 'actor'),
    summary: "Revoke a node's key",
  })
  @HttpCode(200)
  revokeNode(
    @Param('id') nodeId: string,
    @Body() body: Record<string, unknown> | undefined,
    @Actor() actor: string,
  ): Promise<RevokeNodeReply> {
    return this.services.ask(identityCommands.revokeNode, { ...body, nodeId, actor });
  }

  /** `{ reason }`: the node's next enrollment may bring a new key (a reinstalled host). */
  @Post('nodes/:id/rekey')
  @ApiSchemas({
    body: sentByClient(identityCommands.rekeyNode.request, 'nodeId', 'actor'),
    summary: 'Allow the next enrollment of a node to bring a new key',
  })
  @HttpCode(200)
  rekeyNode(
    @Param('id') nodeId: string,
    @Body() body: Record<string, unknown> | undefined,
    @Actor() actor: string,
  ): Promise<RekeyNodeReply> {
    return this.services.ask(identityCommands.rekeyNode, { ...body, nodeId, actor });
  }
}
