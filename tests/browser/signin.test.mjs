// tessera in a real browser: Debian's Chromium, driven by playwright-core, signs in, counts, signs out.
//
// Run by tests/e2e/test_browser.py against the e2e stack; by hand:
//   BROWSER_BASE_URL=http://127.0.0.1:8080 BROWSER_USERNAME=alice BROWSER_PASSWORD=... \
//     node --test tests/browser/signin.test.mjs
// Screenshots go to BROWSER_OUT_DIR (default tests/out/browser). Every page fails its test on a
// console error, an uncaught page error or a failed request (a CSP violation is a console error).

import assert from 'node:assert/strict';
import { assertPath, browserTest, leftPath, requireEnv, screenshot } from './harness.mjs';

const USERNAME = requireEnv('BROWSER_USERNAME');
const PASSWORD = requireEnv('BROWSER_PASSWORD');

// Returns the id, or else the tag name, of the element that has the keyboard focus.
function focused(page) {
  return page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
}

// Returns N from "This page has been viewed N times" on the dashboard.
async function viewCount(page) {
  const text = await page.locator('main').innerText();
  const m = /viewed\s+(\d+)\s+times?/.exec(text);
  assert.ok(m, `no view counter on the page:\n${text}`);
  return Number(m[1]);
}

// Asserts the page is the sign-in form: at /, heading "Sign in", fields found by their labels.
async function assertSignInPage(page) {
  await assertPath(page, '/', 'the sign-in page');
  assert.equal(await page.locator('h1').innerText(), 'Sign in');
  assert.equal(await page.getByLabel('Username', { exact: true }).getAttribute('id'), 'username');
  assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('id'), 'password');
}

// Asserts the page is USERNAME's dashboard, with its welcome line.
async function assertDashboard(page) {
  await assertPath(page, '/dashboard', 'the dashboard');
  assert.equal(await page.locator('h1').innerText(), `Welcome back, ${USERNAME}`);
}

// Asserts the stylesheet was loaded and applied (the header's background is the brand colour).
async function assertStyled(page) {
  const bg = await page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(bg, 'rgb(29, 53, 87)', 'the stylesheet is not applied to the header');
}

browserTest('the sign-in page is styled, labelled and answers no-store', async (page, response) => {
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['cache-control'], 'no-store');
  await assertSignInPage(page);
  assert.equal(await page.title(), 'Sign in · tessera');
  assert.equal(await page.getByRole('button', { name: 'Sign in' }).count(), 1);
  await assertStyled(page);
  await screenshot(page, 'signin');
});

browserTest('sign in, reload counts one more, sign out, Back does not show the dashboard',
  async (page) => {
    await page.getByLabel('Username', { exact: true }).fill(USERNAME);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await leftPath(page, '/');
    await assertDashboard(page);
    await assertStyled(page);
    const first = await viewCount(page);

    const reloaded = await page.reload();
    assert.equal(reloaded.headers()['cache-control'], 'no-store', 'the dashboard may be cached');
    await assertDashboard(page);
    assert.equal(await viewCount(page), first + 1, 'reload did not count one more view');
    await screenshot(page, 'dashboard');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await leftPath(page, '/dashboard');
    await assertSignInPage(page);

    // Back goes to the dashboard's history entry: it must be fetched again (no-store, no
    // back/forward cache) and, signed out, redirect to the sign-in form.
    await page.goBack();
    await page.waitForLoadState('load');
    const text = await page.locator('body').innerText();
    assert.ok(!text.includes('Welcome back'), `Back after sign-out shows the dashboard:\n${text}`);
    await assertSignInPage(page);
    await screenshot(page, 'after-signout-back');
  });

browserTest('keyboard only: focus order username, password, remember me, button; Enter signs in and out',
  async (page) => {
    // Browsers apply autofocus at a rendering step, which may come just after the load event.
    const autofocused = await page.waitForFunction(() => document.activeElement?.id === 'username')
      .then(() => true, () => false);
    assert.ok(autofocused, `the username field is not focused on load (${await focused(page)} is)`);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(page), 'BODY', 'something focusable comes before the username field');

    // From the start of the page: Tab reaches each field in order; each is the one its label names.
    await page.keyboard.press('Tab');
    assert.ok(await page.getByLabel('Username', { exact: true }).evaluate((el) => el === document.activeElement),
      'Tab from the start of the page did not reach the field labelled Username');
    await page.keyboard.type(USERNAME);
    await page.keyboard.press('Tab');
    assert.ok(await page.getByLabel('Password', { exact: true }).evaluate((el) => el === document.activeElement),
      'Tab did not go on to the field labelled Password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Tab');
    assert.ok(await page.getByLabel('Remember me on this device').evaluate((el) => el === document.activeElement),
      'Tab did not go on to the Remember me box');
    await page.keyboard.press('Tab');
    const button = page.getByRole('button', { name: 'Sign in' });
    assert.ok(await button.evaluate((el) => el === document.activeElement),
      'Tab did not go on to the Sign in button');
    assert.equal(await button.evaluate((el) => getComputedStyle(el).outlineStyle), 'solid',
      'the focused button shows no focus outline');
    await page.keyboard.press('Enter');
    await leftPath(page, '/');
    await assertDashboard(page);

    await page.keyboard.press('Tab');
    assert.ok(await page.getByRole('button', { name: 'Sign out' }).evaluate((el) => el === document.activeElement),
      'Tab on the dashboard did not reach the Sign out button');
    await page.keyboard.press('Enter');
    await leftPath(page, '/dashboard');
    await assertSignInPage(page);
  });
