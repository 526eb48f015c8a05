import { Module } from '@nestjs/common';
import { ApiKeys } from './api-keys';
import { KeysController } from './keys.controller';

/** API keys: their commands, read model, hashes and REST API. */
@Module({
  controllers: [KeysController],
  providers: [ApiKeys],
  exports: [ApiKeys],
})
export class KeysModule {}
