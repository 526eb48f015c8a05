'use strict';
// Command-line arguments of `npm start -- [options]`.

const USAGE = `Usage: npm start -- [--sim N] [--no-agent] [--check]

  --sim N      simulate N extra nodes with the fleet simulator (default 20, 0 disables it)
  --no-agent   do not run the node agent for this machine
  --check      only check NATS, Postgres and Redis (starting local ones when down),
               create the database, then stop what was started and exit
  --help       show this text`;

class UsageError extends Error {}

function parseArgs(argv) {
  const options = { sim: 20, agent: true, check: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inlineValue] = argv[i].split(/=(.*)/s, 2);
    switch (flag) {
      case '--sim': {
        const value = inlineValue ?? argv[++i];
        if (value === undefined || !/^\d+$/.test(value))
          throw new UsageError(`--sim needs a number of nodes, got ${value ?? 'nothing'}`);
        options.sim = Number(value);
        break;
      }
      case '--no-agent':
        options.agent = false;
        break;
      case '--check':
        options.check = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${argv[i]}`);
    }
  }
  return options;
}

module.exports = { parseArgs, UsageError, USAGE };
