// A real browser: Debian's chromium, driven by playwright-core (no browser download).
// A person opens a test relying party, signs in on sigil's page, consents, lands back
// at the relying party (which exchanges the code with openid-client), and signs out.
// axe-core checks sigil's pages, light and dark, as an accessibility audit would.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as oidc from 'openid-client';
import { chromium } from 'playwright-core';
import { setting } from './lib/agent.mjs';

const issuer = new URL(setting('SIGIL_ISSUER'));
const port = Number(setting('RP_PORT'));
const rp = `http://127.0.0.1:${port}`;
const screenshots = process.env.SCREENSHOTS || '';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const config = await oidc.discovery(
  issuer,
  setting('BROWSER_CLIENT_ID'),
  setting('BROWSER_CLIENT_SECRET'),
  undefined,
  { execute: [oidc.allowInsecureRequests] },
);

/** The test relying party: one pending login and one signed-in person at a time. */
let pending;
let signedIn;
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

const server = createServer(async (req, res) => {
  const url = new URL(req.url, rp);
  try {
    if (url.pathname === '/start') {
      const verifier = oidc.randomPKCECodeVerifier();
      pending = { pkceCodeVerifier: verifier, expectedState: oidc.randomState(), expectedNonce: oidc.randomNonce() };
      const to = oidc.buildAuthorizationUrl(config, {
        redirect_uri: `${rp}/cb`,
        scope: 'openid profile email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: pending.expectedState,
        nonce: pending.expectedNonce,
        ...Object.fromEntries(url.searchParams),
      });
      res.writeHead(303, { location: to.href }).end();
    } else if (url.pathname === '/cb') {
      if (url.searchParams.has('error')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(page('Not signed in', `<p id="error">${escape(url.searchParams.get('error'))}</p>`));
        return;
      }
      const tokens = await oidc.authorizationCodeGrant(config, url, pending);
      signedIn = tokens;
      const claims = tokens.claims();
      const logout = oidc.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token,
        post_logout_redirect_uri: `${rp}/signed-out`,
        state: 'bye',
      });
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(page('Example Notes', `<p id="who">Signed in as ${escape(claims.name)} (${escape(claims.email)})</p>
<a href="${escape(logout.href)}">Sign out</a>`));
    } else if (url.pathname === '/signed-out') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(page('Signed out', `<p id="state">${escape(url.searchParams.get('state'))}</p>`));
    } else {
      res.writeHead(404).end();
    }
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
  }
});

let browser;
before(async () => {
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // The machine has no outside network: without these Chromium keeps dialling home.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  server.close();
});

/** axe-core's WCAG A/AA rules on the page as it is now; `bypassCSP` lets the test
 * inject axe into a page whose CSP admits no script. */
async function audit(tab, what) {
  await tab.addScriptTag({ content: axeSource });
  const result = await tab.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } }));
  const problems = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`);
  assert.deepEqual(problems, [], `${what}: accessibility violations`);
}

async function shoot(tab, name) {
  if (screenshots) await tab.screenshot({ path: join(screenshots, `${name}.png`) });
}

for (const scheme of ['light', 'dark']) {
  test(`sign in, consent and sign out in chromium (${scheme})`, async () => {
    const context = await browser.newContext({
      colorScheme: scheme,
      bypassCSP: true,
      viewport: { width: 520, height: 640 },
    });
    const tab = await context.newPage();
    const suffix = scheme === 'light' ? '' : '-dark';

    // The second run must be asked again: consent was remembered by the first.
    await tab.goto(scheme === 'light' ? `${rp}/start` : `${rp}/start?prompt=consent`);
    assert.match(await tab.title(), /^Sign in · /);
    await assert.doesNotReject(tab.getByRole('img', { name: 'Example Corp' }).waitFor());
    await audit(tab, `login (${scheme})`);
    // The keyboard reaches the fields and the button in reading order.
    await tab.keyboard.press('Tab');
    assert.equal(await tab.evaluate(() => document.activeElement.id), 'username');
    await tab.keyboard.press('Tab');
    assert.equal(await tab.evaluate(() => document.activeElement.id), 'password');
    await tab.keyboard.press('Tab');
    assert.equal(await tab.evaluate(() => document.activeElement.textContent), 'Sign in');

    await tab.getByLabel('Username').fill(setting('RP_USERNAME'));
    await shoot(tab, `login${suffix}`);
    await tab.getByLabel('Password').fill('not the password');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.getByRole('alert').waitFor();
    assert.equal(await tab.getByRole('alert').textContent(), 'Invalid username or password.');
    await audit(tab, `login with an error (${scheme})`);

    await tab.getByLabel('Username').fill(setting('RP_USERNAME'));
    await tab.getByLabel('Password').fill(setting('RP_PASSWORD'));
    await tab.getByRole('button', { name: 'Sign in' }).click();

    await tab.getByRole('heading', { name: 'Allow access?' }).waitFor();
    assert.match(await tab.textContent('main'), /Example Notes/);
    assert.deepEqual(await tab.locator('li').allTextContents(), [
      'Confirm who you are', 'Your name and username', 'Your email address']);
    await audit(tab, `consent (${scheme})`);
    await shoot(tab, `consent${suffix}`);
    await tab.getByRole('button', { name: 'Allow' }).click();

    await tab.locator('#who').waitFor();
    assert.equal(await tab.textContent('#who'), 'Signed in as Alice Example (alice@example.com)');
    assert.ok(signedIn.access_token);

    await tab.getByRole('link', { name: 'Sign out' }).click();
    await tab.locator('#state').waitFor();
    assert.equal(await tab.textContent('#state'), 'bye');

    // Signed out: a silent sign-in now needs a login.
    await tab.goto(`${rp}/start?prompt=none`);
    await tab.locator('#error').waitFor();
    assert.equal(await tab.textContent('#error'), 'login_required');
    await context.close();
  });
}
