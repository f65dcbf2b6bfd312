/**
 * Debian's chromium for render tests (the first `chromium` on PATH, /usr/bin/chromium once installed), launched
 * headless the way this machine allows, and pages opened with every request but the page itself blocked and
 * recorded: figures must draw with no network at all.
 */
import type { Browser, Page, Route } from 'playwright-core';
import { missing, onPath } from './tools';

export const CHROMIUM = onPath('chromium');

/** A skip reason when chromium is absent, else false. */
export function chromiumMissing(): string | false {
  return CHROMIUM ? false : missing('chromium', 'apt-get install -y chromium');
}

export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error(chromiumMissing() as string);
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/**
 * A new context and page for the local `file`: every other request is recorded in `requests` and aborted, unless
 * `fulfill` answers it (e.g. a stand-in script); uncaught page errors are recorded in `errors`. Close with `close()`.
 */
export async function openBlocked(
  browser: Browser,
  file: string,
  opts: {
    viewport: { width: number; height: number };
    fulfill?: (url: string, route: Route) => Promise<void> | undefined;
  },
): Promise<{ page: Page; requests: string[]; errors: string[]; close: () => Promise<void> }> {
  const ctx = await browser.newContext({ viewport: opts.viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (url === `file://${file}`) return route.continue();
    requests.push(url);
    return opts.fulfill?.(url, route) ?? route.abort();
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, requests, errors, close: () => ctx.close() };
}
