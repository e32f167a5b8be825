// Issue 16: the follow-up dashboard on a phone (390 px). The page does not scroll sideways, the
// task table scrolls inside its own container, and the chart fits the width with its text still
// readable (rendered at 11 px or more).
import assert from 'node:assert/strict';
import { assignSeedDirective } from '../helpers.mjs';

export const viewport = { width: 390, height: 844 };

export async function followUpOnAPhone({ page, base, shot }) {
  await assignSeedDirective(page, base);
  await page.getByRole('link', { name: 'Theo dõi, đôn đốc thực hiện nhiệm vụ' }).click();
  await page.waitForLoadState('load');

  const m = await page.evaluate(() => {
    const svg = document.querySelector('svg.chart');
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    return {
      scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
      right: box.right, smallest: Math.min(...sizes), texts: sizes.length,
    };
  });
  assert.ok(m.scroll <= m.inner, `the page scrolls sideways: ${m.scroll} > ${m.inner}`);
  assert.ok(m.right <= m.inner, `the chart overflows: right edge ${m.right} > ${m.inner}`);
  assert.ok(m.texts > 4, 'the chart has its labels');
  assert.ok(m.smallest >= 11, `chart text rendered at ${m.smallest.toFixed(1)} px (< 11 px)`);
  await shot('follow-up-phone');
}
