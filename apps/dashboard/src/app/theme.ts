/**
 * Light or dark: the reader's choice (saved in this browser) or, without one, the system's
 * (`prefers-color-scheme`, which styles.css follows by itself). The choice is the `data-theme`
 * attribute of <html>; no script has to run before the page paints for the system's theme.
 */
export type Theme = 'light' | 'dark';

const KEY = 'vigil.theme';

export function savedTheme(): Theme | null {
  const v = readStorage(KEY);
  return v === 'light' || v === 'dark' ? v : null;
}

export const systemTheme = (): Theme =>
  typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';

export function applyTheme(choice: Theme | null): void {
  if (choice) document.documentElement.dataset.theme = choice;
  else delete document.documentElement.dataset.theme;
  writeStorage(KEY, choice);
}

/** localStorage, which a browser may refuse (private modes, policies): then nothing is remembered. */
export function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeStorage(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // not remembered
  }
}
