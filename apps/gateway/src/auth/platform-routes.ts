import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { PlatformModule } from '@vigil/platform';
import { ACCESS_METADATA } from './access';

/**
 * The platform shell's own controllers (`/health*`, `/metrics`) are public: probes and
 * Prometheus scrape them without credentials. They live in libs/platform, which knows nothing
 * of the gateway's access levels, so they are declared public here, by the module they come from.
 */
@Injectable()
export class PlatformRoutesArePublic implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype;
      if (wrapper.host?.metatype !== PlatformModule || !controller) continue;
      if (Reflect.getMetadata(ACCESS_METADATA, controller) === undefined)
        Reflect.defineMetadata(ACCESS_METADATA, 'public', controller);
    }
  }
}
