// Issue 2: a demo user logs in through the browser and sees a Vietnamese page with correct
// diacritics; wrong passwords are refused; another agency's page is forbidden.
import assert from 'node:assert/strict';

async function login(page, base, username, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForLoadState('load');
}

export async function drafterLogsIn({ page, base, shot }) {
  await page.goto(`${base}/login`);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  assert.equal(await page.evaluate(() => document.characterSet), 'UTF-8');
  assert.equal(await page.locator('h1').innerText(), 'Đăng nhập');
  await shot('login');

  await login(page, base, 'snv.chuyenvien', 'mật khẩu sai');
  const alert = await page.getByRole('alert').innerText();
  assert.equal(alert, 'Tên đăng nhập hoặc mật khẩu không đúng.');
  await shot('wrong-password');

  await login(page, base, 'snv.chuyenvien', 'demo-snv-chuyenvien');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.locator('h1').innerText(), 'Việc của tôi');
  const text = await page.locator('main').innerText();
  assert.ok(text.includes('Sở Nội vụ'), text);
  assert.ok(text.includes('Chuyên viên'), text);
  assert.ok(text.includes('Nhiệm vụ và văn bản cần xử lý'), text);
  assert.equal(text, text.normalize('NFC'), 'page text is NFC');
  // The name renders with its diacritics as Unicode text, not as replacement characters.
  assert.ok(!text.includes('\uFFFD'));
  await shot('home');

  const res = await page.goto(`${base}/agencies/SKH%C4%90T`);
  assert.equal(res.status(), 403);
  assert.ok((await page.locator('main').innerText()).includes('Bạn không có quyền truy cập nội dung này.'));
  await shot('forbidden');

  await page.goto(`${base}/`);
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, '/login');
}

export async function adminAddsColleague({ page, base, shot }) {
  await login(page, base, 'quantri', 'demo-quantri');
  await page.getByRole('link', { name: 'Cán bộ VPUBND' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'Văn phòng Ủy ban nhân dân tỉnh Đắk Nông');
  const unique = `vp.${Date.now().toString(36)}`;
  await page.getByLabel('Họ và tên').fill('Phạm Ngọc Ánh');
  await page.getByLabel('Tên đăng nhập').fill(unique);
  await page.getByLabel('Thư điện tử').fill(`${unique}@daknong.example`);
  await page.getByLabel('Mật khẩu (ít nhất 12 ký tự)').fill('mật-khẩu-đủ-dài');
  await page.getByLabel('Vai trò', { exact: true }).selectOption('drafter');
  await page.getByRole('button', { name: 'Thêm cán bộ' }).click();
  await page.waitForLoadState('load');
  assert.ok((await page.getByRole('status').innerText()).includes(`Đã thêm tài khoản ${unique}.`));
  assert.ok((await page.locator('table').first().innerText()).includes('Phạm Ngọc Ánh'));
  await shot('user-added');
}
