import './instrument';
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { runService } from '@vigil/platform';
import { AppModule } from './app.module';
import { configureGatewayHttp } from './http/http-hygiene';

runService<NestExpressApplication>(AppModule, { configure: configureGatewayHttp }).catch((e: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'gateway', msg: 'start failed', err: String(e) })}\n`,
  );
  process.exit(1);
});
