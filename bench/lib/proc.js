/** CPU and memory of a process, from /proc (Linux). */
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { readFile } = require('node:fs/promises');

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

function cpuOfStat(stat, children) {
  // Fields after the command name, which is in parentheses and may hold spaces; utime is field 14.
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return (f[11] + f[12] + (children ? f[13] + f[14] : 0)) / CLOCK_TICKS;
}

/** CPU seconds from /proc/<pid>/stat: utime + stime, and cutime + cstime when `children`. */
async function cpuSeconds(pid, children = false) {
  return cpuOfStat(await readFile(`/proc/${pid}/stat`, 'utf8'), children);
}

/** cpuSeconds, synchronously: for a reading taken at the very moment of an event. */
function cpuSecondsSync(pid, children = false) {
  return cpuOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), children);
}

/** Resident set size in kB (VmRSS), or 0 once the process is gone. */
async function rssKb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

/** CPU seconds of several processes, keyed by pid; a process that cannot be read is left out. */
async function cpuOfPids(pids) {
  const out = new Map();
  for (const pid of pids) {
    const s = await cpuSeconds(pid).catch(() => undefined);
    if (s !== undefined) out.set(pid, s);
  }
  return out;
}

/**
 * CPU used between two readings of cpuOfPids: a pid present only in the second reading
 * started inside the window and counts whole; one that vanished is lost (undercount).
 */
function cpuDelta(before, after) {
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}

/** Samples the RSS of `pids()` every `intervalMs` and keeps each one's peak. */
class RssSampler {
  constructor(pids, intervalMs = 250) {
    this.peakKb = new Map();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.pids = pids;
    this.sample();
  }

  async sample() {
    for (const pid of this.pids()) {
      if (!pid) continue;
      const kb = await rssKb(pid);
      if (kb > (this.peakKb.get(pid) ?? 0)) this.peakKb.set(pid, kb);
    }
  }

  /** Forgets the peaks: the next ones are over the samples from now on. */
  reset() {
    this.peakKb.clear();
  }

  peakMb(pid) {
    return Number(((this.peakKb.get(pid) ?? 0) / 1024).toFixed(1));
  }

  stop() {
    clearInterval(this.timer);
  }
}

/** Pids of processes whose command name is exactly `name` (pgrep -x), e.g. nats-server. */
function pidsNamed(name) {
  const r = spawnSync('pgrep', ['-x', name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).map(Number) : [];
}

/** Pids of `pid`'s children (pgrep -P), e.g. Postgres' backends under the postmaster. */
function childPids(pid) {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).map(Number) : [];
}

module.exports = {
  CLOCK_TICKS,
  cpuSeconds,
  cpuSecondsSync,
  rssKb,
  cpuOfPids,
  cpuDelta,
  RssSampler,
  pidsNamed,
  childPids,
};
