'use strict';
// Child processes: started in their own process group (so a Ctrl-C on the terminal reaches only
// start.js, which then stops everything in order), output labelled line by line, stopped with
// SIGTERM and, after a grace period, SIGKILL.
const { spawn } = require('node:child_process');
const { labelled, pipeLines } = require('./output');

const STOP_GRACE_MS = 10_000;

/** Sends a signal to the child's whole process group (it may have children of its own). */
function signal(child, name) {
  try {
    process.kill(-child.pid, name);
  } catch {
    try {
      child.kill(name);
    } catch {
      // already gone
    }
  }
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
function terminate(child, graceMs = STOP_GRACE_MS) {
  if (!child.pid || exited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => signal(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolve();
    });
    signal(child, 'SIGTERM');
  });
}

function describeExit(code, signalName) {
  return signalName ? `signal ${signalName}` : `code ${code}`;
}

/** The platform's processes. onUnexpectedExit fires when one ends while nobody asked it to. */
class ProcessGroup {
  constructor({ onUnexpectedExit }) {
    this.children = [];
    this.stopping = false;
    this.onUnexpectedExit = onUnexpectedExit;
  }

  /**
   * Starts `node <script> <args>` with the given environment, output labelled with `name`.
   * Processes of a later `wave` (clients) are stopped before those of earlier ones (services).
   */
  startNode(name, script, args, env, { wave = 0 } = {}) {
    const child = spawn(process.execPath, [script, ...args], {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const print = labelled(name);
    pipeLines(child.stdout, print.out);
    pipeLines(child.stderr, print.err);
    const entry = { name, child, wave };
    this.children.push(entry);
    child.once('error', (error) => {
      if (!this.stopping) this.onUnexpectedExit(name, `could not start: ${error.message}`);
    });
    child.once('exit', (code, signalName) => {
      if (!this.stopping) this.onUnexpectedExit(name, `exited unexpectedly with ${describeExit(code, signalName)}`);
    });
    return child;
  }

  /** Stops every process, one wave at a time, the last wave first. */
  async stopAll(graceMs = STOP_GRACE_MS) {
    this.stopping = true;
    const waves = [...new Set(this.children.map(({ wave }) => wave))].sort((a, b) => b - a);
    for (const wave of waves) {
      const members = this.children.filter((entry) => entry.wave === wave);
      await Promise.all(members.map(({ child }) => terminate(child, graceMs)));
    }
  }

  /** Last resort when asked twice to stop. */
  killAll() {
    this.stopping = true;
    for (const { child } of this.children) if (!exited(child)) signal(child, 'SIGKILL');
  }
}

module.exports = { ProcessGroup, terminate, signal, describeExit };
