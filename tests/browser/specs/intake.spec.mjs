// Issue 3: a Văn phòng UBND clerk uploads the seed directive, reviews the proposal side by side
// with the source, edits one deadline, confirms; the lead agency's drafter then sees the task.
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

export async function uploadReviewEditConfirm({ page, base, shot }) {
  await login(page, base, 'vpubnd.vanthu');
  await page.getByRole('link', { name: 'Văn bản chỉ đạo' }).click();
  await page.waitForLoadState('load');
  await shot('directives');
  await page.getByLabel('Tệp văn bản').setInputFiles(seed);
  await page.getByRole('button', { name: 'Tải lên và phân tích' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'Rà soát văn bản chỉ đạo');
  // Source text with highlighted task sentences next to the proposal.
  const marks = await page.locator('.source-text mark').count();
  assert.ok(marks >= 5, `highlighted sentences: ${marks}`);
  const legend = page.locator('legend', { hasText: 'Nhiệm vụ 6.1' });
  await legend.scrollIntoViewIfNeeded();
  await shot('review');

  const date = page.getByLabel('Hạn cuối cùng (nhiệm vụ 6.1)');
  assert.equal(await date.inputValue(), '26/06/2023');
  await date.fill('15/01/2027');
  await page.getByRole('button', { name: 'Xác nhận và giao nhiệm vụ' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'Văn bản chỉ đạo');
  const assigned = await page.locator('section.tasks table').innerText();
  assert.ok(assigned.includes('15/01/2027'), assigned);
  assert.ok(assigned.includes('Sở Nội vụ'), assigned);
  await shot('confirmed');

  // The lead agency's drafter sees it on their home page, with days left; old deadlines in red.
  await page.context().clearCookies();
  await login(page, base, 'snv.chuyenvien');
  const row = page.locator('tr', { hasText: '15/01/2027' });
  assert.equal(await row.count(), 1);
  assert.match(await row.locator('td.due').innerText(), /^Còn \d+ ngày$/);
  const overdue = page.locator('tr.overdue');
  assert.ok(await overdue.count() >= 1, 'task 2.6 (19/06/2023) is overdue');
  const color = await overdue.first().locator('td.due').evaluate(el => getComputedStyle(el).color);
  assert.equal(color, 'rgb(170, 17, 17)', 'overdue shown in red');
  await shot('drafter-home');
}
