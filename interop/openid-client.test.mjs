// panva's openid-client (OpenID Certified relying-party library) against sigil: every
// flow a backend would use, with no special case for sigil.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as oidc from 'openid-client';
import { Agent, setting } from './lib/agent.mjs';

const issuer = new URL(setting('SIGIL_ISSUER'));
const redirectUri = setting('RP_REDIRECT_URI');
const postLogout = setting('RP_POST_LOGOUT_URI');
const [username, password] = [setting('RP_USERNAME'), setting('RP_PASSWORD')];

const config = await oidc.discovery(
  issuer,
  setting('RP_CLIENT_ID'),
  setting('RP_CLIENT_SECRET'),
  undefined,
  { execute: [oidc.allowInsecureRequests] },
);
// Verify ID token signatures against /jwks.json too, not only their claims.
oidc.enableNonRepudiationChecks(config);

const browser = new Agent();
let tokens;

async function authorizationUrl(extra = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const checks = { pkceCodeVerifier: verifier, expectedState: oidc.randomState(), expectedNonce: oidc.randomNonce() };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email read',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
    ...extra,
  });
  return { url, checks };
}

test('discovery names every endpoint the flows use', () => {
  const meta = config.serverMetadata();
  assert.equal(meta.issuer, issuer.href.replace(/\/$/, ''));
  for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri',
    'introspection_endpoint', 'revocation_endpoint', 'end_session_endpoint']) {
    assert.ok(meta[endpoint], endpoint);
  }
  assert.ok(meta.code_challenge_methods_supported.includes('S256'));
});

test('code + PKCE, with the login form filled in, gives a valid ID token', async () => {
  const { url, checks } = await authorizationUrl();
  const callback = await browser.signIn(url, username, password);
  assert.equal(callback.origin + callback.pathname, redirectUri);
  tokens = await oidc.authorizationCodeGrant(config, callback, { ...checks, idTokenExpected: true });
  const claims = tokens.claims();
  assert.equal(claims.iss, config.serverMetadata().issuer);
  assert.equal(claims.aud, config.clientMetadata().client_id);
  assert.equal(claims.nonce, checks.expectedNonce);
  assert.equal(claims.name, 'Alice Example');
  assert.equal(claims.email, 'alice@example.com');
  assert.ok(claims.at_hash && claims.auth_time, 'at_hash and auth_time');
  assert.ok(tokens.refresh_token, 'a refresh token');
});

test('userinfo answers for the ID token subject', async () => {
  const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
  assert.equal(info.preferred_username, username);
  assert.equal(info.email_verified, true);
});

test('refresh rotates the refresh token, and the old one is spent', async () => {
  const old = tokens.refresh_token;
  const first = tokens.claims();
  tokens = await oidc.refreshTokenGrant(config, old);
  assert.notEqual(tokens.refresh_token, old);
  assert.ok(tokens.access_token);
  if (tokens.id_token) assert.equal(tokens.claims().sub, first.sub);
  const spent = await oidc.tokenIntrospection(config, old);
  assert.equal(spent.active, false);
});

test('introspection, then revocation, then introspection again', async () => {
  const live = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(live.active, true);
  assert.equal(live.client_id, config.clientMetadata().client_id);
  assert.equal(live.sub, tokens.claims().sub);
  assert.ok(live.scope.split(' ').includes('read'));
  await oidc.tokenRevocation(config, tokens.access_token);
  const dead = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(dead.active, false);
  await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck));
});

test('logout ends the session and goes back with state', async () => {
  // Still signed in: sigil answers at once, with no form.
  const { url, checks } = await authorizationUrl();
  const answer = await browser.send(url);
  assert.equal(answer.status, 303);
  const callback = new URL(answer.headers.get('location'));
  const fresh = await oidc.authorizationCodeGrant(config, callback, checks);
  const state = oidc.randomState();
  const logout = oidc.buildEndSessionUrl(config, {
    id_token_hint: fresh.id_token,
    post_logout_redirect_uri: postLogout,
    state,
  });
  const res = await browser.send(logout);
  assert.equal(res.status, 303);
  const back = new URL(res.headers.get('location'));
  assert.equal(back.origin + back.pathname, postLogout);
  assert.equal(back.searchParams.get('state'), state);

  // The browser is signed out: a silent request now needs a login.
  const silent = await authorizationUrl({ prompt: 'none' });
  const refused = await browser.send(silent.url);
  assert.equal(refused.status, 303);
  const error = new URL(refused.headers.get('location'));
  assert.equal(error.searchParams.get('error'), 'login_required');
  assert.equal(error.searchParams.get('state'), silent.checks.expectedState);
});
