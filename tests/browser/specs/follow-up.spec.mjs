// Issue 8: Văn phòng UBND follows up a directive (theo dõi, đôn đốc): counts per lead agency,
// the SVG chart, and a one-click reminder (nhắc việc) that is not repeated the same day.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assignSeedDirective } from '../helpers.mjs';

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
  // Post/redirect/get: back on the dashboard's own address, so a reload sends nothing.
  assert.ok(new URL(page.url()).pathname.endsWith('/follow-up'), page.url());
  const status = await page.getByRole('status').innerText();
  assert.match(status, /^Đã gửi nhắc việc tới Sở Nội vụ/);
  assert.ok(await page.getByText('Đã nhắc việc hôm nay').count() >= 1);
  await shot('reminded');
}

// Issue 16: the table of tasks comes first (agency, task, deadline, status, report), filtered by
// status, agency and lead/co-agency; the chart comes second; a report at any step shows its step.
export async function followUpTableAndFilters({ page, base, shot }) {
  await assignSeedDirective(page, base);
  await page.getByRole('link', { name: 'Theo dõi, đôn đốc thực hiện nhiệm vụ' }).click();
  await page.waitForLoadState('load');
  const url = page.url();

  // The table before the chart.
  const order = await page.evaluate(() => {
    const t = document.querySelector('table.follow-up-tasks');
    const c = document.querySelector('svg.chart');
    return t && c ? t.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING : 0;
  });
  assert.ok(order, 'the task table comes before the chart');
  const rows = page.locator('table.follow-up-tasks tbody tr');
  const total = await rows.count();
  assert.ok(total > 3, `${total} tasks`);
  const heads = await page.locator('table.follow-up-tasks thead th').allInnerTexts();
  assert.deepEqual(heads.slice(0, 5), ['Cơ quan chủ trì', 'Nhiệm vụ', 'Hạn xử lý', 'Tình trạng', 'Báo cáo']);
  await shot('table');

  // Quá hạn only.
  await page.getByLabel('Tình trạng').selectOption('overdue');
  await page.getByRole('button', { name: 'Lọc', exact: true }).click();
  await page.waitForLoadState('load');
  const overdue = await rows.count();
  assert.ok(overdue > 0 && overdue < total, `${overdue} of ${total} overdue`);
  assert.equal(await rows.locator('.badge.fu-overdue').count(), overdue, 'every row is overdue');
  assert.equal(await page.getByRole('link', { name: 'Bỏ lọc' }).count(), 1);

  // One lead agency (with the status filter kept).
  await page.getByLabel('Cơ quan', { exact: true }).selectOption('SNV');
  await page.getByLabel('Vai trò của cơ quan').selectOption('lead');
  await page.getByRole('button', { name: 'Lọc', exact: true }).click();
  await page.waitForLoadState('load');
  const snv = await rows.count();
  assert.ok(snv >= 1);
  assert.equal(await page.locator('table.follow-up-tasks tbody tr[data-agency="SNV"]').count(), snv, 'only Sở Nội vụ leads');
  await shot('filtered');

  // Co-agency: the tasks Sở Nội vụ co-operates on are led by others.
  await page.goto(`${url}?agency=SNV&role=co`);
  const co = await rows.count();
  assert.equal(await page.locator('table.follow-up-tasks tbody tr[data-agency="SNV"]').count(), 0);
  for (let i = 0; i < co; i++) assert.ok((await rows.nth(i).innerText()).includes('Phối hợp:'));
}
