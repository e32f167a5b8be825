// Runs every spec in specs/ against a running trinhky (BASE_URL) in headless Chromium.
// Usage: BASE_URL=http://127.0.0.1:8080 SCREENSHOTS=dir node run.mjs
import { chromium } from 'playwright-core';
import { readdir, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.env.BASE_URL;
if (!base) { console.error('BASE_URL is not set'); process.exit(2); }
const shots = process.env.SCREENSHOTS || path.join(here, 'screenshots');
await mkdir(shots, { recursive: true });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

// Playwright gives the browser a fresh temporary profile; each test gets its own context
// (own cookies), so tests never see each other's sessions.
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
const only = process.argv[2];
const specs = (await readdir(path.join(here, 'specs'))).filter(f => f.endsWith('.spec.mjs') && (!only || f.includes(only))).sort();
for (const file of specs) {
  const mod = await import(path.join(here, 'specs', file));
  for (const [name, fn] of Object.entries(mod)) {
    if (typeof fn !== 'function') continue;
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const external = [];
    page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url()); });
    let n = 0;
    const shot = async (label) => {
      n += 1;
      await page.screenshot({ path: path.join(shots, `${file.replace('.spec.mjs', '')}-${name}-${String(n).padStart(2, '0')}-${label}.png`), fullPage: true });
    };
    const started = Date.now();
    try {
      await fn({ page, base, shot });
      if (external.length) throw new Error(`requests left the server (no CDN allowed): ${external.join(', ')}`);
      console.log(`ok   ${file} ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${file} ${name}: ${e.stack || e}`);
      await shot('failure').catch(() => {});
    } finally {
      await context.close();
    }
  }
}
await browser.close();
console.log(failed ? `${failed} browser test(s) failed` : 'all browser tests passed');
process.exit(failed ? 1 : 0);
