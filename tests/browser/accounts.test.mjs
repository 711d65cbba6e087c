// tessera in a real browser: an API token revoked, two-step verification set up, then signing in
// with a code and with a recovery code; every page checked with axe-core against WCAG 2.2 AA,
// screenshots of each.
//
// Run by tests/e2e/test_browser.py against the e2e stack with a user of its own; by hand:
//   BROWSER_BASE_URL=http://127.0.0.1:8080 BROWSER_USERNAME=bob BROWSER_PASSWORD=... \
//     node --test tests/browser/accounts.test.mjs
// The user must not have two-step verification yet, and must have an API token (tessera token
// add); afterwards it has the one, not the other.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { assertNoWcagViolations, assertPath, browserTest, leftPath, requireEnv, screenshot }
  from './harness.mjs';

const USERNAME = requireEnv('BROWSER_USERNAME');
const PASSWORD = requireEnv('BROWSER_PASSWORD');
const CODE_LABEL = 'Code from your authenticator app';

// Returns the RFC 6238 code (SHA-1, 6 digits, 30 s) of base32 key SECRET, OFFSET steps from now.
function totp(secret, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + offset));
  const mac = createHmac('sha1', key).update(counter).digest();
  const pos = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(pos) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// Signs in with the password from the sign-in page; returns once the next page has loaded.
async function passwordStep(page) {
  await page.getByLabel('Username', { exact: true }).fill(USERNAME);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await leftPath(page, '/');
}

// Signs out from the dashboard and goes back to the sign-in page.
async function signOut(page) {
  await page.goto(new URL('/dashboard', page.url()).href);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await leftPath(page, '/dashboard');
  await assertPath(page, '/', 'the sign-in page');
}

// From the dashboard: the API tokens page (the user has at least one, made by the test's caller),
// checked before and after revoking the first one; then back to the dashboard.
async function revokeAToken(page) {
  await page.getByRole('link', { name: 'Your API tokens' }).click();
  await page.waitForLoadState('load');
  await assertPath(page, '/account/tokens', 'the API tokens page');
  await assertNoWcagViolations(page, 'the API tokens page');
  await screenshot(page, 'account-tokens');
  const rows = page.locator('table.tokens tbody tr');
  const before = await rows.count();
  assert.ok(before >= 1, 'no token listed');
  await page.getByRole('button', { name: /^Revoke / }).first().click();
  await page.waitForLoadState('load');
  await assertPath(page, '/account/tokens', 'the API tokens page after a revocation');
  assert.equal(await rows.count(), before - 1, 'the revoked token is still listed');
  await assertNoWcagViolations(page, 'the API tokens page after a revocation');
  await page.getByRole('link', { name: 'Back to your dashboard' }).click();
  await page.waitForLoadState('load');
  await assertPath(page, '/dashboard', 'the dashboard');
}

browserTest('set up two-step verification, sign in with a code, then with a recovery code',
  async (page) => {
    await passwordStep(page);
    await assertPath(page, '/dashboard', 'the dashboard');
    await assertNoWcagViolations(page, 'the dashboard');
    await revokeAToken(page);
    await page.getByRole('link', { name: 'Two-step verification' }).click();
    await page.waitForLoadState('load');
    await assertPath(page, '/account/2fa', 'the two-step verification page');
    await assertNoWcagViolations(page, 'the two-step verification page (off)');
    await page.getByRole('button', { name: 'Set up two-step verification' }).click();
    await page.waitForLoadState('load');

    const qr = page.getByRole('img', { name: /QR code of your two-step verification key/ });
    assert.equal(await qr.count(), 1, 'no QR code image with a text alternative');
    const secret = (await page.locator('.totp-secret').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await assertNoWcagViolations(page, 'the set-up page');
    await screenshot(page, 'twofa-setup');
    await page.getByLabel(CODE_LABEL).fill(totp(secret, -1));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.waitForLoadState('load');
    const codes = await page.locator('.recovery-codes code').allInnerTexts();
    assert.equal(codes.length, 10, 'ten recovery codes are shown once');
    await assertNoWcagViolations(page, 'the recovery codes');
    await screenshot(page, 'twofa-codes');

    await signOut(page);
    await passwordStep(page);
    await assertPath(page, '/login/code', 'the second step');
    await assertNoWcagViolations(page, 'the second step');
    await screenshot(page, 'signin-code');
    await page.getByLabel(CODE_LABEL).fill(totp(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await leftPath(page, '/login/code');
    await assertPath(page, '/dashboard', 'the dashboard after a code');

    await signOut(page);
    await passwordStep(page);
    await assertPath(page, '/login/code', 'the second step');
    await page.getByText('Lost your phone? Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(codes[0]);
    await page.getByRole('button', { name: 'Use recovery code' }).click();
    await leftPath(page, '/login/code');
    await assertPath(page, '/dashboard', 'the dashboard after a recovery code');
    await screenshot(page, 'signed-in-with-recovery-code');
  }, 60000);
