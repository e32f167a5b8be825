// Issue 15: signed PDFs from outside trinhky (a ministry's PDF, signed by pyHanko with SHA-512
// under a CA trinhky does not know) reach Văn phòng UBND through the directive intake, where
// its clerk sees each signature's outcome: valid, invalid (a byte changed inside the signed
// range) and indeterminate (an unsupported digest algorithm; or a chain to no configured root).
// The administrator adds the CA as a trust root by putting its certificate and CRL in the
// server's trust folder (`<data>/trust/`); the server picks it up without a restart, and a page
// already shown as indeterminate shows valid on the next view (the cached outcome is keyed by
// the trust configuration).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const source = path.join(root, 'crates/trinhky-pdf/tests/fixtures/seed.pdf');
const generator = path.join(root, 'tests/browser/fixtures/signed_pdfs.py');
const CA = 'ca-kiem-thu-ben-ngoai';

async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(`demo-${username.replaceAll('.', '-')}`);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForLoadState('load');
}

async function upload(page, base, file) {
  await page.goto(`${base}/directives`);
  await page.getByLabel('Tệp văn bản').setInputFiles(file);
  await page.getByRole('button', { name: 'Tải lên và phân tích' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'Rà soát văn bản chỉ đạo', `upload of ${file}`);
  assert.match(page.url(), /\/directives\/\d+$/);
}

/** The one signature badge on the page: its class and label. */
async function badge(page) {
  const items = page.locator('.signatures-card ul.signatures li');
  assert.equal(await items.count(), 1, await page.locator('main').innerText());
  const b = items.first().locator('.badge');
  const cls = (await b.getAttribute('class')).split(/\s+/).filter(c => c !== 'badge');
  assert.equal(cls.length, 1, `badge classes: ${cls}`);
  return { status: cls[0], label: (await b.innerText()).trim(), detail: (await items.first().locator('.detail').innerText()).trim() };
}

const LABELS = { valid: 'Hợp lệ', invalid: 'Không hợp lệ', indeterminate: 'Chưa xác định được' };

export async function threeOutcomesOfExternalSignatures({ page, base, shot }) {
  const data = process.env.TRINHKY_DATA_DIR;
  assert.ok(data, 'TRINHKY_DATA_DIR (the server\'s data folder) must be set: the spec adds a trust root there');
  const trustDir = path.join(data, 'trust');
  const work = mkdtempSync(path.join(os.tmpdir(), 'tk-signed-'));
  execFileSync('python3', [generator, source, work, trustDir], { stdio: ['ignore', 'ignore', 'inherit'] });

  await login(page, base, 'vpubnd.vanthu');

  // Before the CA is trusted: the chain ends at an unknown root, so no conclusion.
  await upload(page, base, path.join(work, 'valid.pdf'));
  const validUrl = page.url();
  const before = await badge(page);
  assert.equal(before.status, 'indeterminate', before.detail);
  assert.equal(before.label, LABELS.indeterminate);
  await page.locator('.signatures-card').scrollIntoViewIfNeeded();
  await shot('untrusted-ca');

  // The administrator adds the CA and its CRL to the trust folder; no restart.
  mkdirSync(trustDir, { recursive: true });
  copyFileSync(path.join(work, `${CA}.crl`), path.join(trustDir, `${CA}.crl`));
  copyFileSync(path.join(work, `${CA}.pem`), path.join(trustDir, `${CA}.pem`));

  const seen = {};
  await page.goto(validUrl);
  seen.valid = await badge(page);
  await shot('valid-sha512');

  await upload(page, base, path.join(work, 'tampered.pdf'));
  seen.invalid = await badge(page);
  await shot('tampered');

  await upload(page, base, path.join(work, 'unsupported.pdf'));
  seen.indeterminate = await badge(page);
  await shot('unsupported-algorithm');

  for (const [want, got] of Object.entries(seen)) {
    assert.equal(got.status, want, `${want}: ${JSON.stringify(got)}`);
    assert.equal(got.label, LABELS[want], `${want}: ${JSON.stringify(got)}`);
  }
  assert.equal(new Set(Object.values(seen).map(s => s.status)).size, 3);
  assert.match(seen.valid.detail, /512/, seen.valid.detail);
  assert.match(seen.invalid.detail, /thay đổi sau khi ký/, seen.invalid.detail);

  // A second view shows the same (cached) outcome.
  await page.goto(validUrl);
  assert.deepEqual(await badge(page), seen.valid);
}
