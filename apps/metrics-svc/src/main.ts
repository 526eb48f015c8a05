import { setFlagsFromString } from 'node:v8';
// Sample batches make many short-lived objects; a larger young generation lets most of
// them die there instead of being copied and promoted (measured in bench/README.md).
setFlagsFromString('--max-semi-space-size=32');
import './instrument';
import 'reflect-metadata';
import { runService } from '@vigil/platform';
import { AppModule } from './app.module';

runService(AppModule).catch((e: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'metrics-svc', msg: 'start failed', err: String(e) })}\n`,
  );
  process.exit(1);
});
