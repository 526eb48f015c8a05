import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { identityCommands, type z } from '@vigil/contracts';
import { Access } from '../auth/access';
import { ServiceClient } from '../http/service-client';
import { ApiSchemas, sentByClient } from '../http/api-schemas';

type CreateEnrollmentTokenReply = z.infer<typeof identityCommands.createEnrollmentToken.reply>;
type RevokeNodeReply = z.infer<typeof identityCommands.revokeNode.reply>;
type RekeyNodeReply = z.infer<typeof identityCommands.rekeyNode.reply>;

/**
 * Enrollment tokens and node revocation (admins), through registry-svc's identity commands.
 * The token is in the answer once; registry-svc keeps only what checks it. Registry-svc offers
 * no command to revoke an unused token (it expires with its `ttlSeconds`).
 */
@Controller('api/v1')
@Access('admin')
export class EnrollmentController {
  constructor(private readonly services: ServiceClient) {}

  /** `{ nodeId?, ttlSeconds?, note? }`: a one-time token that enrolls that node (or one it issues). */
  @Post('enrollment-tokens')
  @ApiSchemas({ body: identityCommands.createEnrollmentToken.request, summary: 'A one-time enrollment token' })
  createToken(@Body() body: Record<string, unknown> | undefined): Promise<CreateEnrollmentTokenReply> {
    return this.services.ask(identityCommands.createEnrollmentToken, { ...body });
  }

  /** `{ reason }`: the node's key is no longer accepted. */
  @Post('nodes/:id/revoke')
  @ApiSchemas({ body: sentByClient(identityCommands.revokeNode.request, 'nodeId'), summary: "Revoke a node's key" })
  @HttpCode(200)
  revokeNode(@Param('id') nodeId: string, @Body() body: Record<string, unknown> | undefined): Promise<RevokeNodeReply> {
    return this.services.ask(identityCommands.revokeNode, { ...body, nodeId });
  }

  /** `{ reason }`: the node's next enrollment may bring a new key (a reinstalled host). */
  @Post('nodes/:id/rekey')
  @HttpCode(200)
  rekeyNode(@Param('id') nodeId: string, @Body() body: Record<string, unknown> | undefined): Promise<RekeyNodeReply> {
    return this.services.ask(identityCommands.rekeyNode, { ...body, nodeId });
  }
}
