#!/usr/bin/env node
'use strict';
/**
 * The console's JavaScript budget: the scripts index.html loads at once (its module scripts and
 * module preloads; chunks loaded later on demand are not counted) may weigh at most `budget` bytes
 * gzipped (node:zlib, level 9). Prints the figures as JSON on one line and exits 1 above the budget,
 * so `npm run build` fails.
 *
 *   node tools/build/bundle-budget.js apps/dashboard/dist [--budget-kb 300]
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { gzipSync } = require('node:zlib');

const DEFAULT_BUDGET_BYTES = 300 * 1024;

/** The URLs of the scripts an HTML page loads up front: <script type="module" src> and <link rel="modulepreload" href>. */
function initialScripts(html) {
  const urls = [];
  for (const tag of html.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const attr = (name) => new RegExp(`\\b${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1];
    if (/^<script/i.test(tag) && attr('src')) urls.push(attr('src'));
    else if (/^<link/i.test(tag) && attr('rel')?.toLowerCase() === 'modulepreload' && attr('href'))
      urls.push(attr('href'));
  }
  return [...new Set(urls)];
}

/** The gzipped size of each initial script of `dist`/index.html, and whether they fit `budgetBytes`. */
function measure(dist, budgetBytes = DEFAULT_BUDGET_BYTES) {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = initialScripts(html).map((url) => {
    if (/^[a-z]+:|^\/\//i.test(url)) throw new Error(`index.html loads a script from another origin: ${url}`);
    const body = readFileSync(join(dist, url.split(/[?#]/)[0].replace(/^\//, '')));
    return { file: url, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
  if (files.length === 0) throw new Error('index.html loads no script');
  const gzipBytes = files.reduce((n, f) => n + f.gzipBytes, 0);
  return { budgetBytes, gzipBytes, ok: gzipBytes <= budgetBytes, files };
}

function main(argv) {
  const dist = argv[0];
  const i = argv.indexOf('--budget-kb');
  const budgetBytes = i >= 0 ? Number(argv[i + 1]) * 1024 : DEFAULT_BUDGET_BYTES;
  if (!dist || !Number.isFinite(budgetBytes) || budgetBytes <= 0) {
    process.stderr.write('usage: bundle-budget.js <dist> [--budget-kb N]\n');
    return 2;
  }
  const result = measure(dist, budgetBytes);
  process.stdout.write(`${JSON.stringify({ initialJs: result })}\n`);
  if (!result.ok)
    process.stderr.write(
      `the console's initial JavaScript is ${result.gzipBytes} bytes gzipped, over its budget of ${budgetBytes}\n`,
    );
  return result.ok ? 0 : 1;
}

module.exports = { initialScripts, measure, DEFAULT_BUDGET_BYTES };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bundle budget: ${e.message}\n`);
    process.exitCode = 1;
  }
}
