/**
 * Clean-up that happens whatever way a bench ends: each resource registers how to undo itself
 * on a scope; `close()` undoes them in reverse order (children stopped before the database is
 * dropped, streams deleted before the connection closes), logging but surviving failures. On
 * SIGINT/SIGTERM every open scope is closed before exiting, and at exit any child process still
 * running is killed outright.
 */
const open = new Set();
const children = new Set();
const log = (msg) => process.stderr.write(`${msg}\n`);

class Scope {
  constructor(name) {
    this.name = name;
    this.undo = [];
    this.closing = undefined;
    open.add(this);
  }

  /** Registers `fn` (sync or async) to run at close; returns `value` for chaining. */
  add(what, fn, value) {
    this.undo.push({ what, fn });
    return value;
  }

  close() {
    this.closing ??= (async () => {
      while (this.undo.length) {
        const { what, fn } = this.undo.pop();
        try {
          await fn();
        } catch (e) {
          log(`[${this.name}] clean-up "${what}" failed: ${e instanceof Error ? e.message : e}`);
        }
      }
      open.delete(this);
    })();
    return this.closing;
  }
}

/** Closes every open scope (in parallel: they are independent); resolves when all are done. */
function closeAll() {
  return Promise.allSettled([...open].map((s) => s.close()));
}

/**
 * Remembers a spawned child (a ChildProcess, or anything with `kill(signal)` such as a
 * ServiceProcess) so that it is killed (SIGKILL) if the bench exits while it runs.
 */
function trackChild(child) {
  children.add(child);
  if (typeof child.once === 'function') child.once('exit', () => children.delete(child));
  return child;
}

let installed = false;
function installSignalHandlers() {
  if (installed) return;
  installed = true;
  const onSignal = (signal, code) => {
    log(`${signal}: cleaning up (again to exit at once)`);
    process.once(signal, () => process.exit(code));
    closeAll().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', () => {
    for (const child of children) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

module.exports = { Scope, closeAll, trackChild, installSignalHandlers };
