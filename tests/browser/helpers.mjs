// Steps the specs share: sign in as a demo user, press a button and wait, and the province
// office's upload and confirmation of the seed directive.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const seed = path.join(root, 'crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt');

/// Signs in as a demo user (password "demo-" + username with '.' → '-') and lands on "/".
export async function login(page, base, username) {
  await page.context().clearCookies();
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(`demo-${username.replaceAll('.', '-')}`);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, '/', `${username} logged in`);
}

/// Presses the button named exactly `name` and waits for the next page.
export async function click(page, name) {
  await page.getByRole('button', { name, exact: true }).click();
  await page.waitForLoadState('load');
}

/// Văn phòng UBND's clerk uploads the seed directive and confirms it; `before` may change the
/// proposal first (a deadline …). Ends on the confirmed directive's page.
export async function assignSeedDirective(page, base, before = async () => {}) {
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(`${base}/directives`);
  await page.getByLabel('Tệp văn bản').setInputFiles(seed);
  await click(page, 'Tải lên và phân tích');
  await before();
  await click(page, 'Xác nhận và giao nhiệm vụ');
}
