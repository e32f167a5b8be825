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

  // Issue 16: the source text exactly as uploaded (no "Đi e u" for the name "Đieu K'Re").
  const source = await page.locator('.source-text').innerText();
  assert.ok(source.includes("đồng chí Đieu K'Re"), 'the name as written');
  assert.ok(!source.includes('Đi e u'));
  // Agencies by name, suggested from the directory (a native datalist, no script).
  assert.equal(await page.locator('datalist#agency-names option[value="Sở Tư pháp tỉnh Đắk Nông"]').count(), 1);
  const task = page.locator('fieldset.task', { has: page.locator('legend', { hasText: 'Nhiệm vụ 6.1' }) });
  assert.equal(await task.getByLabel('Cơ quan chủ trì 1 (nhiệm vụ 6.1)').inputValue(), 'Sở Nội vụ tỉnh Đắk Nông');
  const coId = await task.locator('input[name^="co_"][value=""]').first().getAttribute('id');
  assert.equal(await page.locator(`#${coId}`).getAttribute('list'), 'agency-names');

  const date = page.getByLabel('Hạn cuối cùng (nhiệm vụ 6.1)');
  assert.equal(await date.inputValue(), '26/06/2023');
  await date.fill('15/01/2027');
  // A name the directory does not know is refused, and everything typed stays.
  await page.locator(`#${coId}`).fill('Sở Du hành vũ trụ');
  await page.getByRole('button', { name: 'Xác nhận và giao nhiệm vụ' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'Rà soát văn bản chỉ đạo');
  const refusal = await page.getByRole('alert').first().innerText();
  assert.ok(refusal.includes('Nhiệm vụ 6.1, ô “Cơ quan phối hợp”: không có cơ quan “Sở Du hành vũ trụ” trong danh bạ'), refusal);
  assert.equal(await page.locator(`#${coId}`).inputValue(), 'Sở Du hành vũ trụ');
  assert.equal(await page.getByLabel('Hạn cuối cùng (nhiệm vụ 6.1)').inputValue(), '15/01/2027');
  await shot('unknown-name');
  // Typing the beginning of a name offers it; the chosen name is what is sent.
  await page.locator(`#${coId}`).fill('');
  await page.locator(`#${coId}`).pressSequentially('Sở Tư');
  await page.locator(`#${coId}`).fill('Sở Tư pháp tỉnh Đắk Nông');
  await page.locator(`#${coId}`).scrollIntoViewIfNeeded();
  await shot('review-by-name');
  await page.getByRole('button', { name: 'Xác nhận và giao nhiệm vụ' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'Văn bản chỉ đạo');
  assert.match(page.url(), /\?assigned=\d+$/);
  const count = Number(page.url().split('assigned=')[1]);
  const notice = await page.getByRole('status').innerText();
  assert.ok(notice.startsWith(`Đã giao ${count} nhiệm vụ cho `), notice);
  assert.equal(await page.locator('section.tasks tbody tr').count(), count);
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
