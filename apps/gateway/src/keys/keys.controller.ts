import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiKeyId, type ApiKeyView, CreateApiKeyRequest, validate } from '@vigil/contracts';
import { Access } from '../auth/access';
import { Actor } from '../auth/principal';
import { ApiKeys } from './api-keys';
import { ApiSchemas } from '../http/api-schemas';

/** API keys (admins): create (the key is shown once), list (never the key), revoke. */
@Controller('api/v1/keys')
@Access('admin')
export class KeysController {
  constructor(private readonly keys: ApiKeys) {}

  /** `{ name, role, expiresInDays? }`. */
  @Post()
  @ApiSchemas({ body: CreateApiKeyRequest, summary: 'Create an API key (shown once)' })
  create(@Body() body: unknown, @Actor() actor: string): Promise<ApiKeyView & { key: string }> {
    return this.keys.create(validate(CreateApiKeyRequest, body ?? {}, 'API key'), actor);
  }

  @Get()
  async list(): Promise<{ keys: ApiKeyView[] }> {
    return { keys: await this.keys.list() };
  }

  @Delete(':id')
  revoke(@Param('id') id: string, @Actor() actor: string): Promise<ApiKeyView> {
    return this.keys.revoke(validate(ApiKeyId, id, 'key id'), actor);
  }
}
