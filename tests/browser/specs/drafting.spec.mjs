// Issue 8, the drafter's tools: a drafter creates a report from an assignment, types and sees the
// page preview update without saving, uploads an XLSX and a PDF, saves twice, opens the
// comparison of two versions and the document's nhật ký. Every page is screenshotted.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seed = path.join(root, 'crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt');
const xlsx = path.join(root, 'tests/browser/fixtures/so-lieu-cchc.xlsx');
const pdf = path.join(root, 'crates/trinhky-pdf/tests/fixtures/sign/two-page.pdf');

async function login(page, base, username) {
  await page.context().clearCookies();
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(`demo-${username.replaceAll('.', '-')}`);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, '/', `${username} logged in`);
}

async function click(page, name) {
  await page.getByRole('button', { name, exact: true }).click();
  await page.waitForLoadState('load');
}

export async function draftWithPreviewAttachmentsDiffAndNhatKy({ page, base, shot }) {
  // Văn phòng UBND gives the tasks (each spec imports the seed for itself).
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(`${base}/directives`);
  await page.getByLabel('Tệp văn bản').setInputFiles(seed);
  await click(page, 'Tải lên và phân tích');
  await page.getByLabel('Hạn cuối cùng (nhiệm vụ 6.1)').fill('30/11/2099'); // not the journey's 31/12/2099: specs share one server
  await click(page, 'Xác nhận và giao nhiệm vụ');

  // The drafter opens a report for task 6.1 that nobody has started.
  await login(page, base, 'snv.chuyenvien');
  const before = new Set(await page.locator('tr[data-document]').evaluateAll(rows => rows.map(r => r.dataset.document)));
  const row = page.locator('tr', { hasText: 'Mục 6.1' }).filter({ has: page.getByRole('button', { name: /Soạn báo cáo/ }) }).last();
  await row.getByRole('button', { name: /Soạn báo cáo/ }).click();
  await page.waitForLoadState('load');
  const docUrl = page.url();
  const id = new URL(docUrl).pathname.split('/').pop();
  assert.match(id, /^\d+$/);
  assert.ok(!before.has(id), 'a new report');
  await shot('draft');

  // Typing updates the page preview without saving.
  const first = page.locator('#preview-pages img').first();
  const savedSrc = await first.getAttribute('src');
  assert.ok(savedSrc.endsWith('/preview/1.png'), savedSrc);
  await page.getByLabel('Nội dung báo cáo').fill('I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao Chỉ số CCHC cấp tỉnh năm 2023 (bản đang gõ, chưa lưu).');
  await page.waitForSelector('#preview-pages[data-unsaved="true"] img[src^="data:image/png"]', { timeout: 15000 });
  assert.ok((await page.locator('#preview-status').innerText()).includes('chưa lưu'));
  assert.ok((await page.locator('.versions li').count()) === 1, 'nothing was saved by the preview');
  await page.locator('#preview-pages').scrollIntoViewIfNeeded();
  await shot('live-preview');

  // Attachments: an Excel workbook and a PDF annex.
  await page.getByLabel(/Tải lên tệp đính kèm/).setInputFiles(xlsx);
  await click(page, 'Đính kèm');
  await page.getByLabel(/Tải lên tệp đính kèm/).setInputFiles({ name: 'Phụ lục I - Số liệu.pdf', mimeType: 'application/pdf', buffer: await (await import('node:fs/promises')).readFile(pdf) });
  await click(page, 'Đính kèm');
  const table = page.locator('table.attachments');
  assert.ok((await table.innerText()).includes('so-lieu-cchc.xlsx'));
  assert.ok((await table.innerText()).includes('Phụ lục I - Số liệu.pdf'));
  assert.equal(await table.locator('tr[data-kind="xlsx"]').count(), 1);
  assert.equal(await table.locator('tr[data-kind="pdf"]').count(), 1);
  // A program renamed to .pdf is refused with a message.
  await page.getByLabel(/Tải lên tệp đính kèm/).setInputFiles({ name: 'bao-cao.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90\x00 This program cannot be run in DOS mode') });
  await click(page, 'Đính kèm');
  assert.ok((await page.getByRole('alert').innerText()).includes('không phải PDF, DOCX hay XLSX'));
  await page.locator('#tep-dinh-kem').scrollIntoViewIfNeeded();
  await shot('attachments');

  // Two saves, then the comparison.
  await page.goto(docUrl);
  await page.getByLabel('Nội dung báo cáo').fill('I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao Chỉ số CCHC cấp tỉnh năm 2023.');
  await page.getByLabel('Ghi chú chỉnh sửa').fill('Bản đầu');
  await click(page, 'Lưu phiên bản mới');
  await page.getByLabel('Nội dung báo cáo').fill('I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao Chỉ số CCHC và Chỉ số SIPAS cấp tỉnh năm 2023.\n2. Khắc phục tồn tại theo Báo cáo số 119/BC-SNV.');
  await page.getByLabel('Ghi chú chỉnh sửa').fill('Bổ sung Chỉ số SIPAS');
  await click(page, 'Lưu phiên bản mới');
  assert.equal(await page.locator('.versions li').count(), 3);
  await page.getByRole('link', { name: 'So sánh phiên bản 3 với phiên bản 2' }).click();
  await page.waitForLoadState('load');
  assert.match(page.url(), /\/diff\?from=2&to=3$/);
  const body = page.locator('.diff-text[data-field="body"]');
  assert.ok((await body.locator('ins').allInnerTexts()).join(' ').includes('SIPAS'));
  assert.ok((await page.locator('h1').innerText()).includes('So sánh phiên bản 2 và 3'));
  await shot('diff');
  // Another pair, chosen on the page.
  await page.getByLabel('Từ phiên bản').selectOption('1');
  await click(page, 'So sánh');
  assert.match(page.url(), /from=1&to=3/);
  await shot('diff-1-3');

  // The nhật ký of the document.
  await page.getByRole('link', { name: 'Nhật ký văn bản' }).click();
  await page.waitForLoadState('load');
  const trail = await page.locator('table.audit').innerText();
  for (const label of ['Tạo dự thảo', 'Chỉnh sửa dự thảo', 'Đính kèm tệp', 'so-lieu-cchc.xlsx']) {
    assert.ok(trail.includes(label), `${label} in the nhật ký`);
  }
  assert.ok((await page.locator('.chain-status').innerText()).includes('Chuỗi băm toàn vẹn'));
  // Issue 16: people and actions in Vietnamese, no internal keys.
  for (const leak of ['workflow.', 'document.', 'system:', 'user:']) assert.ok(!trail.includes(leak), `${leak} in the nhật ký`);
  await shot('nhat-ky');

  // A phone-width look at the comparison.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/documents/${id}/diff`);
  await shot('diff-phone');
}
