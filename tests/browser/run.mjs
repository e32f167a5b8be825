// Runs every spec in specs/ against a running trinhky (BASE_URL) in headless Chromium.
// Usage: BASE_URL=http://127.0.0.1:8080 SCREENSHOTS=dir node run.mjs
import { chromium } from 'playwright-core';
import { readdir, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.env.BASE_URL;
if (!base) { console.error('BASE_URL is not set'); process.exit(2); }
const shots = process.env.SCREENSHOTS || path.join(here, 'screenshots');
await mkdir(shots, { recursive: true });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
// axe-core checks every page a test screenshots (WCAG 2.1 A/AA rules). Critical violations fail
// the test at once; serious ones are listed and fail the run at the end.
const axeSource = await readFile(path.join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const accessibility = [];

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
    // A spec may name its own viewport (`export const viewport = { width, height }`), e.g. a phone.
    const context = await browser.newContext({ viewport: mod.viewport || { width: 1366, height: 768 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const external = [];
    page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url()); });
    let n = 0;
    const shot = async (label) => {
      n += 1;
      await page.screenshot({ path: path.join(shots, `${file.replace('.spec.mjs', '')}-${name}-${String(n).padStart(2, '0')}-${label}.png`), fullPage: true });
      if (label === 'failure') return;
      // Injected through the DevTools protocol (not a <script>), so the page's CSP stays strict.
      await page.evaluate(axeSource);
      const found = await page.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
        return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(x => x.target.join(' ')) }));
      });
      for (const v of found) accessibility.push({ page: `${name} ${label}`, url: page.url(), ...v });
      const critical = found.filter(v => v.impact === 'critical');
      if (critical.length) throw new Error(`accessibility (axe-core) critical violations on ${page.url()}: ${JSON.stringify(critical)}`);
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
const serious = accessibility.filter(v => v.impact === 'serious');
console.log(`accessibility (axe-core): ${accessibility.filter(v => v.impact === 'critical').length} critical, ${serious.length} serious, ${accessibility.length - serious.length} other violations`);
for (const v of serious) console.log(`  serious ${v.id} on ${v.page} (${v.url}): ${v.help} — ${v.nodes.join('; ')}`);
// Issue 16: serious violations fail the run too (zero serious or critical).
if (serious.length) { failed += 1; console.log(`FAIL accessibility: ${serious.length} serious violation(s) (listed above)`); }
console.log(failed ? `${failed} browser test(s) failed` : 'all browser tests passed');
process.exit(failed ? 1 : 0);
