import { runFleetSimCli } from './fleet-sim.cli';

runFleetSimCli(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`fleet-sim: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
