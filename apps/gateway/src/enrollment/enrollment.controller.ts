import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { identityCommands, type z } from '@vigil/contracts';
import { Access } from '../auth/access';
import { ServiceClient } from '../http/service-client';
import { ApiSchemas, sentByClient } from '../http/api-schemas';

type CreateEnrollmentTokenReply = z.infer<typeof identityCommands.createEnrollmentToken.reply>;
type RevokeNodeReply = z.infer<typeof identityCommands.revokeNode.reply>;

/**
 * Enrollment tokens and node revocation (admins), through registry-svc's identity commands.
 * The token is in the answer once; registry-svc keeps only what checks it. Registry-svc offers
 * no command to revoke an unused token (it expires with its `ttlSeconds`).
 */
@Controller('api/v1')
@Access('admin')
export class EnrollmentController {
  constructor(private readonly services: ServiceClient) {}

  /** `{ ttlSeconds?, note? }`: a one-time token an agent enrolls with. */
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
}
