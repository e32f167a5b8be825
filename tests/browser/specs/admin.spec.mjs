// Issue 8, the administrator's journey (Quản trị): the system administrator of Văn phòng UBND
// visits every administration page, creates an account and adds a holiday; a director is refused.
import assert from 'node:assert/strict';

async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập', { exact: true }).fill(username);
  await page.getByLabel('Mật khẩu').fill(`demo-${username.replaceAll('.', '-')}`);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForLoadState('load');
}

async function visit(page, base, path, heading) {
  const res = await page.goto(`${base}${path}`);
  assert.equal(res.status(), 200, path);
  const h1 = await page.locator('h1').innerText();
  assert.ok(h1.includes(heading), `${path}: ${h1}`);
}

export async function administratorJourney({ page, base, shot }) {
  await login(page, base, 'quantri');
  await page.getByRole('link', { name: 'Quản trị', exact: true }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'Quản trị hệ thống');
  await shot('overview');

  await visit(page, base, '/admin/agencies', 'Cơ quan, đơn vị');
  assert.ok((await page.locator('main').innerText()).includes('Sở Nội vụ tỉnh Đắk Nông'));
  await shot('agencies');
  await visit(page, base, '/admin/agencies/SNV', 'Sửa cơ quan SNV');
  assert.equal(await page.getByLabel('Thư điện tử nhận văn bản (Nơi nhận)').inputValue(), 'snv@daknong.example');
  await shot('agency-edit');
  await visit(page, base, '/admin/agencies/new', 'Thêm cơ quan, đơn vị');
  await shot('agency-new');

  await visit(page, base, '/admin/groups', 'Nhóm nơi nhận');
  await shot('groups');
  await page.getByRole('link', { name: 'Sửa' }).first().click();
  await page.waitForLoadState('load');
  assert.ok((await page.locator('h1').innerText()).startsWith('Sửa nhóm'));
  await shot('group-edit');

  await visit(page, base, '/admin/users', 'Người dùng và vai trò');
  await shot('users');
  await page.getByLabel('Họ và tên', { exact: true }).fill('Lê Văn Thử Việc');
  await page.getByLabel('Tên đăng nhập', { exact: true }).fill('snv.thuviec');
  await page.getByLabel('Thư điện tử', { exact: true }).fill('snv.thuviec@daknong.example');
  await page.getByLabel('Mật khẩu (ít nhất 12 ký tự)', { exact: true }).fill('mat-khau-thu-viec');
  await page.getByLabel('Cơ quan', { exact: true }).selectOption('SNV');
  await page.getByLabel('Vai trò', { exact: true }).selectOption('drafter');
  await page.getByRole('button', { name: 'Tạo tài khoản' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByRole('status').innerText(), /^Đã tạo tài khoản snv\.thuviec/);
  assert.ok((await page.locator('main').innerText()).includes('Lê Văn Thử Việc'));
  await shot('user-created');

  await visit(page, base, '/admin/certificates', 'Chứng thư số');
  assert.ok((await page.locator('main').innerText()).includes('Còn hiệu lực'));
  await shot('certificates');

  await visit(page, base, '/admin/workflows', 'Quy trình');
  await shot('workflows');
  await page.getByRole('link', { name: 'bao-cao' }).first().click();
  await page.waitForLoadState('load');
  assert.ok((await page.locator('main').innerText()).includes('Chờ lãnh đạo ký duyệt'));
  await shot('workflow');
  await visit(page, base, '/admin/workflows/check', 'Kiểm tra quy trình');
  await page.getByLabel('Nội dung quy trình').fill('id = "thu"\nversion = 1\ntitle = "Thử"\ninitial = "a"\n[states]\na = { label = "A" }\n');
  await page.getByRole('button', { name: 'Kiểm tra' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByRole('alert').first().innerText(), /^Có \d+ lỗi/);
  assert.ok((await page.locator('table.diagnostics').innerText()).includes('WF'));
  await shot('workflow-check');

  await visit(page, base, '/admin/calendar?year=2024', 'Lịch nghỉ lễ năm 2024');
  assert.ok((await page.locator('main').innerText()).includes('Tết Nguyên đán Giáp Thìn'));
  await shot('calendar-2024');
  // A holiday far from the other specs' dates, so their deadlines do not move.
  await page.getByLabel('Loại', { exact: true }).selectOption('holiday');
  await page.getByLabel('Từ ngày (ngày/tháng/năm)').fill('02/09/2035');
  await page.getByLabel('Đến ngày (để trống nếu chỉ một ngày)').fill('03/09/2035');
  await page.getByLabel('Tên', { exact: true }).fill('Quốc khánh 2/9 (thử)');
  await page.getByRole('button', { name: 'Thêm vào lịch' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByRole('status').innerText(), /^Đã thêm "Quốc khánh 2\/9 \(thử\)" \(02\/09\/2035 – 03\/09\/2035\)/);
  assert.equal(await page.locator('h1').innerText(), 'Lịch nghỉ lễ năm 2035');
  await shot('calendar-added');
}

export async function directorIsRefused({ page, base, shot }) {
  await login(page, base, 'snv.giamdoc');
  assert.equal(await page.getByRole('link', { name: 'Quản trị', exact: true }).count(), 0);
  const res = await page.goto(`${base}/admin/users`);
  assert.equal(res.status(), 403);
  assert.ok((await page.locator('main').innerText()).includes('chỉ dành cho quản trị hệ thống'));
  await shot('forbidden');
}
