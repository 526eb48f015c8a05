import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MediaTypeGuard } from './media-type';
import { RateLimiter } from './rate-limiter';

/** What every request goes through besides authentication: media types and rate limits. */
@Module({
  providers: [RateLimiter, { provide: APP_GUARD, useClass: MediaTypeGuard }],
  exports: [RateLimiter],
})
export class HttpPolicyModule {}
