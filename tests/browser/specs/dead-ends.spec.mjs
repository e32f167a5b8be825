// Issue 16, journeys without dead ends, walked as a new user would:
// - the usual internal Nơi nhận line ("- Giám đốc, các PGĐ Sở;") is understood while typing and
//   the report goes all the way to issuing; a line naming nobody is named before submitting and
//   the typed text stays;
// - a wrong PIN keeps the typed comment and leaves the address on the document (post/redirect/
//   get: a reload does not resubmit);
// - after signing, the preview shows the signed file (no DỰ THẢO), and a clerk's return after
//   signing says plainly that the signature is void; the drafter can act again;
// - one receiving page at Văn phòng UBND, the document reading "received" once registered;
// - destructive buttons behind a confirmation, e-mail status at full width; 404 for an id that
//   does not exist.
import assert from 'node:assert/strict';
import { assignSeedDirective, click, login } from '../helpers.mjs';

/// Văn phòng UBND assigns the seed's tasks with task 6.1 due on `deadline`; Sở Nội vụ's drafter
/// opens the report of that 6.1 and returns its address.
async function newReport(page, base, deadline) {
  await assignSeedDirective(page, base, () => page.getByLabel('Hạn cuối cùng (nhiệm vụ 6.1)').fill(deadline));
  await login(page, base, 'snv.chuyenvien');
  const row = page.locator('tr', { hasText: 'Mục 6.1' }).filter({ hasText: deadline }).first();
  await row.getByRole('button', { name: /Soạn báo cáo/ }).click();
  await page.waitForLoadState('load');
  return page.url();
}

async function lineStatuses(page) {
  return page.locator('#recipients-check li').evaluateAll(ls => ls.map(l => l.dataset.status));
}

export async function internalRecipientsAndAWrongPin({ page, base, shot }) {
  const docUrl = await newReport(page, base, '29/12/2099');
  // Typing a line nobody can receive: the live check says so, and submitting is refused with
  // the line named, the typed Nơi nhận kept.
  await page.getByLabel('Nội dung báo cáo').fill('I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao Chỉ số CCHC năm 2023.');
  await page.getByLabel('Nơi nhận (mỗi dòng một nơi)').fill('- Như trên;\n- Giám đốc, các PGĐ Sở;\n- Công ty Không Có Thật;\n- Lưu: VT, SNV.');
  await page.waitForFunction(() => document.querySelectorAll('#recipients-check li').length === 4, null, { timeout: 15000 });
  assert.deepEqual(await lineStatuses(page), ['agency', 'internal', 'unresolved', 'archive']);
  await shot('live-recipient-check');
  await click(page, 'Lưu phiên bản mới');
  assert.equal(page.url(), docUrl, 'post/redirect/get: back on the document');
  await click(page, 'Trình trưởng phòng');
  assert.equal(page.url(), docUrl);
  const refusal = await page.locator('.alert.error').innerText();
  assert.ok(refusal.includes('Công ty Không Có Thật'), refusal);
  assert.equal(await page.locator('.state').innerText(), 'Dự thảo');
  await shot('submit-refused');

  // The usual internal line alone is fine: the report goes to the director.
  await page.getByLabel('Nơi nhận (mỗi dòng một nơi)').fill('- Như trên;\n- Giám đốc, các PGĐ Sở;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.');
  await click(page, 'Lưu phiên bản mới');
  assert.deepEqual(await lineStatuses(page), ['agency', 'internal', 'agency', 'archive']);
  await click(page, 'Trình trưởng phòng');
  await login(page, base, 'snv.truongphong');
  await page.goto(docUrl);
  await click(page, 'Trình lãnh đạo ký');

  // A wrong PIN: the comment stays, the address is the document's, a reload sends nothing.
  await login(page, base, 'snv.giamdoc');
  await page.goto(docUrl);
  await page.getByLabel('Ý kiến (Ký duyệt)').fill('Đồng ý, đề nghị phát hành ngay.');
  await page.getByLabel('Mã PIN ký số').fill('000000');
  await click(page, 'Ký duyệt');
  assert.equal(page.url(), docUrl, 'not left on the POST address');
  assert.ok((await page.locator('.alert.error').innerText()).includes('Mã PIN không đúng'));
  assert.equal(await page.getByLabel('Ý kiến (Ký duyệt)').inputValue(), 'Đồng ý, đề nghị phát hành ngay.');
  await shot('wrong-pin-keeps-comment');
  await page.reload();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('.alert.error').count(), 0, 'the message is shown once; nothing resubmitted');
  assert.equal(await page.locator('.state').innerText(), 'Chờ lãnh đạo ký duyệt');

  // The right PIN: confirmation; the preview now shows the signed file, not the draft.
  const draftPreview = await page.locator('#preview-pages img').first().screenshot();
  await page.getByLabel('Mã PIN ký số').fill('123456');
  await click(page, 'Ký duyệt');
  assert.ok((await page.locator('.alert.ok').innerText()).includes('Chờ văn thư phát hành'));
  const signedPreview = await page.locator('#preview-pages img').first().screenshot();
  assert.notDeepEqual(signedPreview, draftPreview, 'the preview changed after signing');
  await page.locator('section.preview').scrollIntoViewIfNeeded();
  await shot('preview-after-signing');

  // The clerk issues it: the internal line is delivered inside, listed as such.
  await login(page, base, 'snv.vanthu');
  await page.goto(docUrl);
  const internal = page.locator('ul.recipient-lines li[data-status="internal"]');
  assert.ok((await internal.innerText()).includes('Giám đốc, các PGĐ Sở'));
  await page.getByLabel('Mã PIN ký số').fill('123456');
  await click(page, 'Cấp số và phát hành');
  assert.match((await page.locator('.number').innerText()).trim(), /^\d{2,}\/KH-SNV$/);
  // The e-mail status at full width, under the two columns.
  assert.equal(await page.locator('.split section.deliveries').count(), 0);
  assert.equal(await page.locator('main > section.deliveries').count(), 1);
  // Thu hồi is behind a confirmation.
  assert.equal(await page.getByRole('button', { name: 'Xác nhận thu hồi văn bản' }).isVisible(), false);
  await shot('issued-internal-recipient');

  // Văn phòng UBND: the document link leads to the one receiving page; registering receives it.
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(docUrl);
  assert.match(new URL(page.url()).pathname, /^\/incoming\/\d+$/, 'the receiving page');
  await click(page, 'Tiếp nhận và vào sổ văn bản đến');
  assert.ok((await page.locator('.alert.ok').innerText()).includes('Đã cập nhật'));
  assert.ok((await page.locator('ol.steps li.done').first().innerText()).includes('Tiếp nhận'));
  await shot('received-one-page');
  await login(page, base, 'snv.chuyenvien');
  await page.goto(docUrl);
  assert.equal(await page.locator('.state').innerText(), 'Nơi nhận đã tiếp nhận');
}

export async function returnAfterSigningAndConfirmations({ page, base, shot }) {
  const docUrl = await newReport(page, base, '28/12/2099');
  // Destructive buttons are behind a confirmation.
  assert.equal(await page.getByRole('button', { name: 'Hủy dự thảo', exact: true }).isVisible(), false);
  await page.locator('details.confirm summary').first().click();
  assert.equal(await page.getByRole('button', { name: 'Hủy dự thảo', exact: true }).isVisible(), true);
  assert.ok((await page.getByRole('button', { name: 'Hủy dự thảo', exact: true }).getAttribute('class')).includes('danger'));
  await shot('cancel-behind-confirmation');
  await page.getByLabel('Nội dung báo cáo').fill('I. MỤC ĐÍCH, YÊU CẦU');
  await page.getByLabel('Nơi nhận (mỗi dòng một nơi)').fill('- Như trên;\n- Lưu: VT, SNV.');
  await click(page, 'Lưu phiên bản mới');
  await click(page, 'Trình trưởng phòng');
  await login(page, base, 'snv.truongphong');
  await page.goto(docUrl);
  await click(page, 'Trình lãnh đạo ký');
  await login(page, base, 'snv.giamdoc');
  await page.goto(docUrl);
  await page.getByLabel('Mã PIN ký số').fill('123456');
  await click(page, 'Ký duyệt');

  // The clerk finds a mistake: the return says the signature is void.
  await login(page, base, 'snv.vanthu');
  await page.goto(docUrl);
  assert.ok((await page.locator('.voids-signature').innerText()).includes('hủy chữ ký'));
  await page.getByLabel('Ý kiến (Trả lại chuyên viên (phải ký lại), bắt buộc)').fill('Trích yếu chưa đúng, đề nghị sửa.');
  await shot('return-after-signing');
  await click(page, 'Trả lại chuyên viên (phải ký lại)');
  assert.equal(await page.locator('.state').innerText(), 'Dự thảo');

  // The drafter can act again; the preview is the draft again.
  await login(page, base, 'snv.chuyenvien');
  await page.goto(docUrl);
  assert.ok((await page.locator('ol.history').innerText()).includes('Trích yếu chưa đúng'));
  assert.equal(await page.getByRole('button', { name: 'Trình trưởng phòng', exact: true }).count(), 1);
  await shot('returned-to-drafter');

  // An id that does not exist is 404, without asking for a role.
  const res = await page.goto(`${base}/documents/987654321`);
  assert.equal(res.status(), 404);
  const text = await page.locator('main').innerText();
  assert.ok(text.includes('Không có văn bản') && !text.includes('cấp vai trò'), text);
}
