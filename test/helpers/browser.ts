/**
 * Test helper: opens a page from disk in headless Chromium (Debian's `chromium`, or
 * CHROMIUM_PATH) through puppeteer-core and reports what a user's browser would have run into:
 * console errors, page errors, failed or non-file requests, and each <img>'s state, with a
 * full-page screenshot.
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { PNG } from 'pngjs';

/** The Chromium binary to use, or null when there is none. */
export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/**
 * The `skip` option of a browser test: a reason when Chromium is missing outside CI, else false.
 * Under CI (env CI set) it is never skipped: a missing browser then fails the test.
 */
export function browserSkip(): string | false {
  if (process.env.CI || chromiumPath()) return false;
  return 'Chromium not found (apt-get install chromium, or set CHROMIUM_PATH); skipped outside CI';
}

/** What loading a page showed. */
export interface PageVisit {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
  /** Every URL the page requested. */
  requests: string[];
  images: Array<{ src: string; complete: boolean; naturalWidth: number; naturalHeight: number }>;
  svgCount: number;
  title: string;
  /** What lies in the first screen (the 900-pixel-high viewport): elements with an id, and the titles of charts. */
  firstScreen: { ids: string[]; svgs: string[] };
  /** Full-page PNG screenshot. */
  screenshot: Uint8Array;
}

/** Loads `file` in headless Chromium and reports on it. */
export async function visitPage(file: string): Promise<PageVisit> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium not found (set CHROMIUM_PATH or install Debian\'s chromium, as .ci/run does); CI must run the browser tests');
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const visit: Omit<PageVisit, 'images' | 'screenshot' | 'svgCount' | 'title' | 'firstScreen'> = { consoleErrors: [], pageErrors: [], failedRequests: [], requests: [] };
    page.on('console', (msg) => {
      if (msg.type() === 'error') visit.consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => visit.pageErrors.push(String(err)));
    page.on('request', (req) => visit.requests.push(req.url()));
    page.on('requestfailed', (req) => visit.failedRequests.push(`${req.url()}: ${req.failure()?.errorText ?? 'failed'}`));
    page.on('response', (res) => {
      if (res.status() >= 400) visit.failedRequests.push(`${res.url()}: HTTP ${res.status()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 });
    const images = await page.evaluate(() => Array.from(document.images).map((i) => ({ src: i.src, complete: i.complete, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight })));
    const svgCount = await page.evaluate(() => document.querySelectorAll('svg').length);
    const title = await page.title();
    const firstScreen = await page.evaluate(() => {
      const above = (e: Element) => e.getBoundingClientRect().top < window.innerHeight;
      return {
        ids: Array.from(document.querySelectorAll('[id]')).filter(above).map((e) => e.id),
        svgs: Array.from(document.querySelectorAll('svg')).filter((e) => e.getBoundingClientRect().bottom <= window.innerHeight).map((e) => e.getAttribute('aria-label') ?? ''),
      };
    });
    const screenshot = await page.screenshot({ fullPage: true, type: 'png' });
    return { ...visit, images, svgCount, title, firstScreen, screenshot };
  } finally {
    await browser.close();
  }
}

/** Size, luminance variance and number of distinct colours of a PNG (e.g. a screenshot). */
export function pngStats(bytes: Uint8Array): { width: number; height: number; variance: number; colors: number } {
  const png = PNG.sync.read(Buffer.from(bytes));
  const n = png.width * png.height;
  let sum = 0;
  let sum2 = 0;
  const colors = new Set<number>();
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [png.data[4 * i], png.data[4 * i + 1], png.data[4 * i + 2]];
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += y;
    sum2 += y * y;
    if (colors.size < 100_000) colors.add((r << 16) | (g << 8) | b);
  }
  const mean = sum / n;
  return { width: png.width, height: png.height, variance: sum2 / n - mean * mean, colors: colors.size };
}
