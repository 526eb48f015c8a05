import { readFileSync } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { InjectConfig, type ServiceConfig } from '@vigil/platform';
import type { GatewayEnv } from '../config';

const MIN_SECRET = 32;

/**
 * The key access tokens are signed with, from `VIGIL_AUTH_SECRET` or the file
 * `VIGIL_AUTH_SECRET_FILE` names. Without one the gateway does not start (it never makes one
 * up: replicas must share it). The value is never logged nor put in an error.
 */
@Injectable()
export class AuthKeys {
  readonly accessKey: Buffer;

  constructor(@InjectConfig() config: ServiceConfig & GatewayEnv) {
    const secret =
      config.VIGIL_AUTH_SECRET ??
      (config.VIGIL_AUTH_SECRET_FILE ? readSecretFile(config.VIGIL_AUTH_SECRET_FILE) : undefined);
    if (secret === undefined) throw new Error('gateway: set VIGIL_AUTH_SECRET or VIGIL_AUTH_SECRET_FILE');
    if (secret.length < MIN_SECRET)
      throw new Error(`gateway: the auth secret must have at least ${MIN_SECRET} characters`);
    this.accessKey = Buffer.from(secret, 'utf8');
  }
}

function readSecretFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new Error(
      `gateway: cannot read VIGIL_AUTH_SECRET_FILE ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}
