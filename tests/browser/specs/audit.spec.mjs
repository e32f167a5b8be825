// Issue 16, point 8: the administrator's recent actions read as Vietnamese sentences, with
// people by name, Vietnam time and no internal keys (workflow.receive, outbox_message 18,
// system:trinhky-32551, user 14) or server paths.
import assert from 'node:assert/strict';

async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập', { exact: true }).fill(username);
  await page.getByLabel('Mật khẩu').fill(`demo-${username.replaceAll('.', '-')}`);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForLoadState('load');
}

const LEAKS = ['workflow.', 'dispatch.', 'document.', 'session.', 'outbox_message', 'incoming_document',
  'system:', 'user:', 'user 14', '(UTC)', '/tmp/', '.eml <'];

export async function recentActionsInVietnamese({ page, base, shot }) {
  // Something to show: a clerk logs in and out, then the administrator looks.
  await login(page, base, 'vpubnd.vanthu');
  await page.context().clearCookies();
  await login(page, base, 'quantri');
  await page.goto(`${base}/admin`);
  const table = page.locator('table.recent-actions');
  const text = await table.innerText();
  for (const leak of LEAKS) assert.ok(!text.includes(leak), `${leak} shown: ${text}`);
  const headers = await table.locator('thead th').allInnerTexts();
  assert.deepEqual(headers, ['Thời gian', 'Thao tác']);
  const rows = await table.locator('tbody tr').allInnerTexts();
  assert.ok(rows.length >= 2, text);
  // Every row: a Vietnam time, then a sentence "<who> đã <what>".
  for (const r of rows) assert.match(r, /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}\s+\S.* đã \S/, r);
  assert.ok(text.includes('Quản trị hệ thống đã đăng nhập') || / đã đăng nhập/.test(text), text);
  // The newest row is this very login, in Vietnam time (UTC+7).
  const now = new Date(Date.now() + 7 * 3600 * 1000);
  const today = `${String(now.getUTCDate()).padStart(2, '0')}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${now.getUTCFullYear()}`;
  assert.ok(rows[0].startsWith(today), `${rows[0]} (today ${today})`);
  assert.ok((await page.locator('main').innerText()).includes('Giờ Việt Nam'));
  await table.scrollIntoViewIfNeeded();
  await shot('recent-actions');
}
