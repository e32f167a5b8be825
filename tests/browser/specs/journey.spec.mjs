// Issue 8, the seed scenario end to end through the UI: Văn phòng UBND uploads the seed directive
// and confirms it; Sở Nội vụ's drafter drafts the plan for task 6.1 ("Kế hoạch cải thiện Chỉ số
// CCHC năm 2023"); the unit head returns it once; the drafter fixes it; the deputy signs "KT.";
// the clerk issues it with the organisation's seal; the e-mail reaches the SMTP server; Văn phòng
// UBND receives it, sees both signatures valid, registers it; the follow-up dashboard shows the
// task done on time. Every page visited is screenshotted (and checked by axe-core).
import assert from 'node:assert/strict';
import path from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
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

/// Messages in the Maildir of the SMTP server scripts/test started (MAILDIR), as text.
async function mails() {
  const dir = process.env.MAILDIR;
  if (!dir) return null;
  const out = [];
  for (const sub of ['new', 'cur']) {
    let names = [];
    try { names = await readdir(path.join(dir, sub)); } catch { continue; }
    for (const n of names) out.push(await readFile(path.join(dir, sub, n), 'utf8'));
  }
  return out;
}

export async function seedScenarioEndToEnd({ page, base, shot }) {
  // 1. Văn phòng UBND uploads the seed directive, keeps task 6.1 with a deadline ahead, confirms.
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(`${base}/directives`);
  await page.getByLabel('Tệp văn bản').setInputFiles(seed);
  await click(page, 'Tải lên và phân tích');
  const directiveUrl = page.url();
  await shot('review');
  await page.getByLabel('Hạn cuối cùng (nhiệm vụ 6.1)').fill('31/12/2099');
  await click(page, 'Xác nhận và giao nhiệm vụ');
  await shot('confirmed');

  // 2. The director delegates signing to the deputy ("KT.").
  await login(page, base, 'snv.giamdoc');
  await page.getByRole('link', { name: 'Giao quyền ký thay' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('Cấp phó').selectOption('SNV/snv.phogiamdoc');
  await click(page, 'Giao quyền ký thay');
  await shot('delegated');

  // 3. The drafter drafts the plan for task 6.1 and submits it.
  await login(page, base, 'snv.chuyenvien');
  await shot('drafter-home');
  // Other specs share the server and upload the same seed: take this directive's 6.1 (its
  // deadline was set to 31/12/2099 above).
  const row = page.locator('tr', { hasText: 'Mục 6.1' }).filter({ hasText: '31/12/2099' }).first();
  await row.getByRole('button', { name: /Soạn báo cáo/ }).click();
  await page.waitForLoadState('load');
  const docUrl = page.url();
  await page.getByLabel('Trích yếu').fill('Kế hoạch cải thiện Chỉ số CCHC năm 2023');
  await page.getByLabel('Nội dung báo cáo').fill('I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao Chỉ số CCHC cấp tỉnh năm 2023.');
  await page.getByLabel('Nơi nhận (mỗi dòng một nơi)').fill('- Như trên;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.');
  await click(page, 'Lưu phiên bản mới');
  await click(page, 'Trình trưởng phòng');
  await shot('submitted');

  // 4. The unit head returns it once with a comment; the drafter fixes it and submits again.
  await login(page, base, 'snv.truongphong');
  await page.goto(docUrl);
  await page.getByLabel('Ý kiến (Trả lại, bắt buộc)').fill('Bổ sung giải pháp cho Chỉ số SIPAS.');
  await click(page, 'Trả lại');
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

  // 5. The deputy signs "KT." with the PIN.
  await login(page, base, 'snv.phogiamdoc');
  await page.goto(docUrl);
  await page.getByLabel('Mã PIN ký số').fill('123456');
  await click(page, 'Ký duyệt');
  assert.equal(await page.locator('.state').innerText(), 'Chờ văn thư phát hành');
  assert.ok((await page.locator('.signing').innerText()).includes('KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC'));
  await shot('signed-kt');

  // 6. The clerk issues it: number, date and the organisation's seal.
  await login(page, base, 'snv.vanthu');
  await page.goto(docUrl);
  await page.getByLabel('Mã PIN ký số').fill('123456');
  await click(page, 'Cấp số và phát hành');
  const number = (await page.locator('.number').innerText()).trim();
  assert.match(number, /^\d{2,}\/KH-SNV$/);
  const badges = await page.locator('ul.signatures .badge.valid').count();
  assert.equal(badges, 2, 'both signatures valid on the sender page');
  await shot('issued');

  // 7. The e-mail reaches the SMTP server (the dispatcher runs every 2 s).
  if (process.env.MAILDIR) {
    let found = null;
    for (let i = 0; i < 60 && !found; i++) {
      found = (await mails()).find(m => m.includes(number.replace('/', '/')) || m.includes('KH-SNV'));
      if (!found) await new Promise(r => setTimeout(r, 500));
    }
    assert.ok(found, `an e-mail for ${number} arrived at the SMTP server`);
    assert.ok(found.includes('application/pdf'), 'the signed PDF is attached');
  }

  // 8. Văn phòng UBND receives it: both signatures valid, registered with its số đến.
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(`${base}/incoming`);
  await shot('incoming');
  await page.getByRole('link', { name: number }).first().click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('ul.signatures .badge.valid').count(), 2, 'both signatures valid at Văn phòng UBND');
  await click(page, 'Tiếp nhận và vào sổ văn bản đến');
  await shot('registered');

  // 9. The follow-up dashboard shows the task done on time.
  await page.goto(`${directiveUrl}/follow-up`);
  const snv = page.locator('table.follow-up-summary tr[data-agency="SNV"] td').first();
  assert.equal((await snv.innerText()).trim(), '1', 'Sở Nội vụ: one task done on time');
  await shot('follow-up');
}
