'use strict';
// Line-by-line output of many processes, each line labelled with its source (coloured on a terminal).
const readline = require('node:readline');

const COLOURS = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94];
const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const LABEL_WIDTH = 12;
let nextColour = 0;

function paint(text, code) {
  return useColour ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** A labeller for one source: `label('registry-svc')('line')` prints `registry-svc | line`. */
function labelled(name) {
  const code = COLOURS[nextColour++ % COLOURS.length];
  const prefix = paint(`${name.padEnd(LABEL_WIDTH)} |`, code);
  return {
    out: (line) => process.stdout.write(`${prefix} ${line}\n`),
    err: (line) => process.stderr.write(`${prefix} ${line}\n`),
  };
}

/** Prints every line of a readable stream through `print`. */
function pipeLines(stream, print) {
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', print);
}

const self = labelled('vigil');
const log = {
  info: self.out,
  error: (line) => self.err(paint(line, 31)),
};

module.exports = { labelled, pipeLines, log, paint };
