import { Module } from '@nestjs/common';
import { SilenceCommands } from './silence.commands';
import { SilenceQueries } from './silences.read-model';

/** Silences: their commands and their read model (which tells its subscribers of each change). */
@Module({
  providers: [SilenceQueries, SilenceCommands],
  exports: [SilenceQueries, SilenceCommands],
})
export class SilencesModule {}
