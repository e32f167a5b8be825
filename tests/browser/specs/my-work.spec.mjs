// Issue 16: the drafter's "Việc của tôi" changes at each step of her report. Under the task stand
// its document and current step (drafted → at the unit head → waiting for the signature → waiting
// for the clerk → issued with its number → registered by Văn phòng UBND); "Soạn báo cáo" becomes
// "Mở văn bản" once the draft exists; the finished task moves to the "Đã hoàn thành" tab; "Văn
// bản của tôi" lists her documents with the same step.
import assert from 'node:assert/strict';
import { assignSeedDirective, click, login } from '../helpers.mjs';

// Other specs share the server and upload the same seed: this spec's task 6.1 has its own deadline.
const DEADLINE = '30/12/2099';
const TITLE = 'Kế hoạch cải thiện Chỉ số CCHC năm 2023 (theo dõi bước xử lý)';

/// The drafter's task row on a tab ('open' or 'done'), after checking it is not on the other one.
async function taskRow(page, base, id, tab) {
  const other = tab === 'open' ? 'done' : 'open';
  await page.goto(`${base}/?tab=${other}`);
  assert.equal(await page.locator(`tr[data-assignment="${id}"]`).count(), 0, `task not on the ${other} tab`);
  await page.goto(`${base}/?tab=${tab}`);
  const current = page.locator('nav.tabs a[aria-current="page"]');
  assert.match(await current.innerText(), tab === 'done' ? /^Đã hoàn thành/ : /^Đang thực hiện/);
  const row = page.locator(`tr[data-assignment="${id}"]`);
  assert.equal(await row.count(), 1, `task on the ${tab} tab`);
  return row;
}

/// The step line under the drafter's task, with "Mở văn bản" offered and "Soạn báo cáo" not.
async function stepOf(page, base, id, tab) {
  const row = await taskRow(page, base, id, tab);
  assert.equal(await row.getByRole('link', { name: /^Mở văn bản/ }).count(), 1, '"Mở văn bản"');
  assert.equal(await row.getByRole('button', { name: /Soạn báo cáo/ }).count(), 0, 'no "Soạn báo cáo"');
  return (await row.locator('.task-doc .step').innerText()).trim();
}

export async function draftersListChangesAtEachStep({ page, base, shot }) {
  // Văn phòng UBND assigns the tasks; 6.1 gets a deadline of its own.
  await assignSeedDirective(page, base, () => page.getByLabel('Hạn cuối cùng (nhiệm vụ 6.1)').fill(DEADLINE));

  // The drafter: no report yet, "Soạn báo cáo".
  await login(page, base, 'snv.chuyenvien');
  const row = page.locator('tr[data-assignment]', { hasText: 'Mục 6.1' }).filter({ hasText: DEADLINE }).first();
  const id = await row.getAttribute('data-assignment');
  assert.ok(id, 'the task has an id');
  assert.ok((await row.innerText()).includes('Chưa có văn bản báo cáo'));
  await row.getByRole('button', { name: /Soạn báo cáo/ }).click();
  await page.waitForLoadState('load');
  const docUrl = page.url();
  await page.getByLabel('Trích yếu').fill(TITLE);
  await page.getByLabel('Nội dung báo cáo').fill('I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao Chỉ số CCHC cấp tỉnh năm 2023.');
  await page.getByLabel('Nơi nhận (mỗi dòng một nơi)').fill('- Như trên;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.');
  await click(page, 'Lưu phiên bản mới');
  assert.equal(await stepOf(page, base, id, 'open'), 'Dự thảo');
  // "Mở văn bản" opens the draft.
  await page.locator(`tr[data-assignment="${id}"]`).getByRole('link', { name: /^Mở văn bản/ }).click();
  await page.waitForLoadState('load');
  assert.equal(page.url(), docUrl);
  await click(page, 'Trình trưởng phòng');
  assert.equal(await stepOf(page, base, id, 'open'), 'Trưởng phòng xem xét');

  // The unit head forwards it: waiting for the head's signature.
  await login(page, base, 'snv.truongphong');
  await page.goto(docUrl);
  await click(page, 'Trình lãnh đạo ký');
  await login(page, base, 'snv.chuyenvien');
  assert.equal(await stepOf(page, base, id, 'open'), 'Chờ lãnh đạo ký duyệt');
  await shot('waiting-for-signature');

  // The director signs: waiting for the clerk.
  await login(page, base, 'snv.giamdoc');
  await page.goto(docUrl);
  await page.getByLabel('Mã PIN ký số').fill('123456');
  await click(page, 'Ký duyệt');
  await login(page, base, 'snv.chuyenvien');
  assert.equal(await stepOf(page, base, id, 'open'), 'Chờ văn thư phát hành');

  // The clerk issues it: the task is finished, on "Đã hoàn thành", with the number.
  await login(page, base, 'snv.vanthu');
  await page.goto(docUrl);
  await page.getByLabel('Mã PIN ký số').fill('123456');
  await click(page, 'Cấp số và phát hành');
  const number = (await page.locator('.number').innerText()).trim();
  assert.match(number, /^\d{2,}\/KH-SNV$/);
  await login(page, base, 'snv.chuyenvien');
  assert.equal(await stepOf(page, base, id, 'done'), `Đã phát hành ${number}`);
  const done = await taskRow(page, base, id, 'done');
  assert.match(await done.locator('td.due').innerText(), /^Hoàn thành (đúng|trễ) hạn$/);

  // Văn phòng UBND registers it (vào sổ).
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(`${base}/incoming`);
  await page.getByRole('link', { name: number }).first().click();
  await page.waitForLoadState('load');
  await click(page, 'Tiếp nhận và vào sổ văn bản đến');
  await login(page, base, 'snv.chuyenvien');
  const step = await stepOf(page, base, id, 'done');
  assert.equal(step, `Đã phát hành ${number} — Văn phòng UBND tỉnh đã vào sổ`);
  await shot('done-tab');

  // "Văn bản của tôi": her documents with their current step.
  await page.getByRole('link', { name: 'Văn bản của tôi', exact: true }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'Văn bản của tôi');
  const mine = page.locator('table.my-documents tr', { hasText: TITLE });
  assert.equal(await mine.count(), 1, 'the report on Văn bản của tôi');
  assert.equal((await mine.locator('td.step').innerText()).trim(), step);
  await shot('my-documents');
  await mine.getByRole('link').first().click();
  await page.waitForLoadState('load');
  assert.equal(page.url(), docUrl);

  // The open tab, as it now looks.
  await page.goto(`${base}/?tab=open`);
  await shot('open-tab');
}
