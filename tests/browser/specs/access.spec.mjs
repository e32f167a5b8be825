// Issue 13, the documents' access policy: a draft of Sở Nội vụ that names Sở Kế hoạch và Đầu tư in
// its Nơi nhận is not for SKHĐT's clerk until it is issued — the document, its versions, its
// nhật ký and its PDF all answer 403 "Bạn không có quyền…", with nothing of the draft in the page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seed = path.join(root, 'crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt');
const secret = 'Số liệu nội bộ chưa công bố: 97,5 điểm';

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

export async function recipientClerkIsRefusedADraftThatNamesTheirAgency({ page, base, shot }) {
  // Văn phòng UBND gives the tasks (each spec imports the seed for itself).
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(`${base}/directives`);
  await page.getByLabel('Tệp văn bản').setInputFiles(seed);
  await click(page, 'Tải lên và phân tích');
  await page.getByLabel('Hạn cuối cùng (nhiệm vụ 6.1)').fill('29/11/2099'); // specs share one server
  await click(page, 'Xác nhận và giao nhiệm vụ');

  // Sở Nội vụ's drafter writes a report for task 6.1 whose Nơi nhận names SKHĐT, and saves it.
  await login(page, base, 'snv.chuyenvien');
  const row = page.locator('tr', { hasText: 'Mục 6.1' }).filter({ has: page.getByRole('button', { name: /Soạn báo cáo/ }) }).last();
  await row.getByRole('button', { name: /Soạn báo cáo/ }).click();
  await page.waitForLoadState('load');
  const id = new URL(page.url()).pathname.split('/').pop();
  assert.match(id, /^\d+$/);
  await page.getByLabel('Nội dung báo cáo').fill(`I. MỤC ĐÍCH, YÊU CẦU\n1. ${secret}.`);
  await page.getByLabel('Nơi nhận (mỗi dòng một nơi)').fill('- Như trên;\n- Sở Kế hoạch và Đầu tư;\n- Lưu: VT, SNV.');
  await page.getByLabel('Ghi chú chỉnh sửa').fill('Bản đầu');
  await click(page, 'Lưu phiên bản mới');
  assert.ok((await page.getByLabel('Nội dung báo cáo').inputValue()).includes(secret), 'the drafter sees the draft');

  // SKHĐT's clerk, named in that Nơi nhận, gets "không có quyền" everywhere before issuing.
  await login(page, base, 'skhdt.vanthu');
  for (const p of [`/documents/${id}`, `/documents/${id}/diff`, `/documents/${id}/audit`, `/documents/${id}/preview/1.png`]) {
    const res = await page.goto(`${base}${p}`);
    assert.equal(res.status(), 403, p);
    if (p.endsWith('.png')) continue;
    const main = await page.locator('main').innerText();
    assert.ok(main.includes('không có quyền'), `${p}: ${main}`);
    assert.ok(!(await page.content()).includes(secret), `${p} shows nothing of the draft`);
    if (p === `/documents/${id}`) await shot('recipient-refused');
  }
  const api = await page.request.get(`${base}/api/v1/documents/${id}`);
  assert.equal(api.status(), 403);
  const json = await api.json();
  assert.ok(json.detail.includes('không có quyền') && json.code === 'TK-FORBIDDEN', JSON.stringify(json));
  assert.ok(!JSON.stringify(json).includes(secret));
}
