import './instrument';
import 'reflect-metadata';
import { runService } from '@vigil/platform';
import { AppModule } from './app.module';

runService(AppModule).catch((e: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'backup-svc', msg: 'start failed', err: String(e) })}\n`,
  );
  process.exit(1);
});
