import { readFileSync } from 'node:fs';
import { eventually } from '../scrape/fixtures/eventually';
import { type OutputStream, type RunningProcess, spawnInProcessGroup } from './process-spawner';

/** Running, not just not reaped yet: an orphan that was killed is a zombie until init reaps it. */
const alive = (pid: number) => {
  try {
    return parseProcStatState(readFileSync(`/proc/${pid}/stat`, 'utf8')) !== 'Z';
  } catch {
    return false;
  }
};
const parseProcStatState = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);

/** Runs `script` under sh, collecting its output lines. */
function run(script: string, env: Record<string, string> = { PATH: '/usr/bin:/bin' }) {
  const lines: [OutputStream, string][] = [];
  const child = spawnInProcessGroup({ command: 'sh', args: ['-c', script], env }, (stream, line) =>
    lines.push([stream, line]),
  );
  return { child, lines };
}

/** The pid a script printed first, once it has. */
const printedPid = (lines: [OutputStream, string][]) =>
  eventually(() => Number(lines.find(([s]) => s === 'stdout')?.[1] ?? NaN) || Promise.reject(new Error('no pid yet')));

describe('spawnInProcessGroup', () => {
  let child: RunningProcess | undefined;
  afterEach(() => child?.signalGroup('SIGKILL'));

  it('forwards output line by line and reports the exit code', async () => {
    const started = run('echo one; echo two >&2; printf "three\\nfour"; exit 3');
    child = started.child;
    await expect(started.child.exit).resolves.toEqual({ code: 3, signal: null });
    await eventually(() => expect(started.lines).toHaveLength(4));
    expect(started.lines).toEqual(
      expect.arrayContaining([
        ['stdout', 'one'],
        ['stderr', 'two'],
        ['stdout', 'three'],
        ['stdout', 'four'],
      ]),
    );
  });

  it('passes exactly the given environment', async () => {
    const started = run('echo "$ONLY_THIS|${HOME:-no home}"', { PATH: '/usr/bin:/bin', ONLY_THIS: 'yes' });
    child = started.child;
    await started.child.exit;
    await eventually(() => expect(started.lines).toEqual([['stdout', 'yes|no home']]));
  });

  it('signals the children of the process too', async () => {
    const started = run('sleep 300 & echo $!; wait');
    child = started.child;
    const sleeper = await printedPid(started.lines);
    expect(alive(sleeper)).toBe(true);
    started.child.signalGroup('SIGTERM');
    await expect(started.child.exit).resolves.toEqual({ code: null, signal: 'SIGTERM' });
    await eventually(() => expect(alive(sleeper)).toBe(false));
  });

  it('reaches children left behind after the process itself has exited', async () => {
    const started = run('sleep 300 & echo $!');
    child = started.child;
    const sleeper = await printedPid(started.lines);
    await started.child.exit;
    expect(alive(sleeper)).toBe(true);
    started.child.signalGroup('SIGKILL');
    await eventually(() => expect(alive(sleeper)).toBe(false));
  });

  it('turns a command that cannot be spawned into an exit with the error', async () => {
    child = spawnInProcessGroup({ command: '/no/such/agent', args: [], env: {} }, () => {});
    expect(child.pid).toBeUndefined();
    const exit = await child.exit;
    expect('error' in exit && exit.error.message).toMatch(/ENOENT/);
  });
});
