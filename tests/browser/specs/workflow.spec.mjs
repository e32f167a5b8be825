// Issue 4: drafter → unit review returns with a comment → drafter edits → the head's deputy
// approves with "KT." → the document is in the clerk's inbox.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seed = path.join(root, 'crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt');

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

export async function reportRoundTrip({ page, base, shot }) {
  // Văn phòng UBND gives the tasks.
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(`${base}/directives`);
  await page.getByLabel('Tệp văn bản').setInputFiles(seed);
  await click(page, 'Tải lên và phân tích');
  await click(page, 'Xác nhận và giao nhiệm vụ');

  // The director delegates signing to the deputy.
  await login(page, base, 'snv.giamdoc');
  await page.getByRole('link', { name: 'Giao quyền ký thay' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('Cấp phó').selectOption('SNV/snv.phogiamdoc');
  await click(page, 'Giao quyền ký thay');
  assert.ok((await page.getByRole('status').innerText()).includes('Đã giao quyền ký thay.'));
  await shot('delegation');

  // The drafter opens the plan for task 6.1, writes it and submits it.
  await login(page, base, 'snv.chuyenvien');
  // Other specs share the server: the newest 6.1 still without a report is this spec's.
  const row = page.locator('tr', { hasText: 'Mục 6.1' }).filter({ has: page.getByRole('button', { name: /Soạn báo cáo/ }) }).last();
  await row.getByRole('button', { name: /Soạn báo cáo/ }).click();
  await page.waitForLoadState('load');
  const docUrl = page.url();
  assert.match(new URL(docUrl).pathname, /^\/documents\/\d+$/);
  await page.getByLabel('Nội dung báo cáo').fill('I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao Chỉ số CCHC cấp tỉnh năm 2023.');
  await click(page, 'Lưu phiên bản mới');
  await click(page, 'Trình trưởng phòng');
  assert.ok((await page.locator('.state').innerText()).includes('Trưởng phòng xem xét'));
  await shot('submitted');

  // The unit head returns it with a comment.
  await login(page, base, 'snv.truongphong');
  await page.goto(docUrl);
  await page.getByLabel('Ý kiến (Trả lại, bắt buộc)').fill('Bổ sung giải pháp cho Chỉ số SIPAS.');
  await click(page, 'Trả lại');
  assert.equal(await page.locator('.state').innerText(), 'Dự thảo');

  // The drafter sees the comment, edits and submits again.
  await login(page, base, 'snv.chuyenvien');
  await page.goto(docUrl);
  assert.ok((await page.locator('ol.history').innerText()).includes('Bổ sung giải pháp cho Chỉ số SIPAS.'));
  await shot('returned');
  await page.getByLabel('Nội dung báo cáo').fill('I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao Chỉ số CCHC và Chỉ số SIPAS năm 2023.');
  await click(page, 'Lưu phiên bản mới');
  await click(page, 'Trình trưởng phòng');

  await login(page, base, 'snv.truongphong');
  await page.goto(docUrl);
  await click(page, 'Trình lãnh đạo ký');
  assert.equal(await page.locator('.state').innerText(), 'Chờ lãnh đạo ký duyệt');

  // The deputy approves and signs "KT."
  await login(page, base, 'snv.phogiamdoc');
  const waiting = page.locator(`tr[data-document="${new URL(docUrl).pathname.split('/').pop()}"]`);
  assert.ok(await waiting.count() >= 1, 'the deputy has it in "Việc của tôi"');
  await page.goto(docUrl);
  await page.getByLabel('Mã PIN ký số').fill('123456');
  await click(page, 'Ký duyệt');
  assert.equal(await page.locator('.state').innerText(), 'Chờ văn thư phát hành');
  assert.ok((await page.locator('.signing').innerText()).includes('KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC'));
  assert.ok((await page.locator('ol.history').innerText()).includes('(KT. GIÁM ĐỐC)'));
  await shot('approved');

  // The clerk's inbox has it.
  await login(page, base, 'snv.vanthu');
  const inbox = page.locator(`tr[data-document="${new URL(docUrl).pathname.split('/').pop()}"]`);
  assert.equal(await inbox.count(), 1);
  assert.ok((await inbox.innerText()).includes('Chờ văn thư phát hành'));
  await shot('clerk-inbox');
}
