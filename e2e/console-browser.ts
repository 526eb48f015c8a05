import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@vigil/test-support';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const CONSOLE_DIST = join(repoRoot, 'apps', 'dashboard', 'dist');
const ARTIFACTS = process.env.VIGIL_TEST_ARTIFACTS ?? join(repoRoot, 'test-artifacts', 'console');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Fails unless the console is built; makes the screenshots' folder. */
export function consoleBuilt(): void {
  if (!existsSync(join(CONSOLE_DIST, 'index.html')))
    throw new Error(`the console is not built (${CONSOLE_DIST}): npm run build`);
  mkdirSync(ARTIFACTS, { recursive: true });
}

/** Headless chromium at `executablePath` (each suite finds it with requireTool, so CI=true fails without it). */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}

/** An English, light, 1280×900 context (its own cookies) that carries axe-core into every page. */
export async function consoleContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({
    locale: 'en-US',
    colorScheme: 'light',
    viewport: { width: 1280, height: 900 },
  });
  // An init script is not subject to the page's CSP (an injected <script> would be, and is refused).
  await context.addInitScript({ content: AXE });
  return context;
}

/** A new page whose CSP refusals and uncaught errors go into `problems`. */
export async function watchedPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const p = await context.newPage();
  p.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return p;
}

/** Saves the whole page as test-artifacts/console/<name>.png. */
export async function screenshot(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Runs axe-core on the page: a serious or critical violation fails, named with `name`. */
export async function expectAccessible(p: Page, name: string): Promise<void> {
  const violations = await p.evaluate(async () => {
    const { axe } = globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } };
    return (await axe.run()).violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target })),
    }));
  });
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect([name, blocking]).toEqual([name, []]);
}
