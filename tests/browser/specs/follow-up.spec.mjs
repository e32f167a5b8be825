// Issue 8: Văn phòng UBND follows up a directive (theo dõi, đôn đốc): counts per lead agency,
// the SVG chart, and a one-click reminder (nhắc việc) that is not repeated the same day.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seed = path.join(root, 'crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt');

async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(`demo-${username.replaceAll('.', '-')}`);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForLoadState('load');
}

export async function followUpAndRemind({ page, base, shot }) {
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(`${base}/directives`);
  await page.getByLabel('Tệp văn bản').setInputFiles(seed);
  await page.getByRole('button', { name: 'Tải lên và phân tích' }).click();
  await page.waitForLoadState('load');
  await page.getByRole('button', { name: 'Xác nhận và giao nhiệm vụ' }).click();
  await page.waitForLoadState('load');
  await page.getByRole('link', { name: 'Theo dõi, đôn đốc thực hiện nhiệm vụ' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'Theo dõi, đôn đốc thực hiện nhiệm vụ');
  const chart = page.getByRole('img', { name: 'Tình hình thực hiện nhiệm vụ theo cơ quan chủ trì' });
  assert.equal(await chart.count(), 1);
  assert.ok(await page.locator('svg.chart rect').count() >= 1);
  const snv = page.locator('table.follow-up-summary tr[data-agency="SNV"]');
  assert.equal(await snv.count(), 1);
  await shot('follow-up');

  const button = page.getByRole('button', { name: /^Nhắc việc Sở Nội vụ/ }).first();
  await button.click();
  await page.waitForLoadState('load');
  const status = await page.getByRole('status').innerText();
  assert.match(status, /^Đã gửi nhắc việc tới Sở Nội vụ/);
  assert.ok(await page.getByText('Đã nhắc việc hôm nay').count() >= 1);
  await shot('reminded');
}
