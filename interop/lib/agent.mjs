// A browser without a browser: one cookie jar, no automatic redirects, and the login
// form filled in as a person would. The relying-party tests drive sigil's pages with it.
import assert from 'node:assert/strict';

const NAMED = { amp: '&', lt: '<', gt: '>', quot: '"' };

/** Undoes HTML escaping (askama writes numeric references such as &#34;). */
export function unescapeHtml(s) {
  return s.replace(/&(amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);/g, (_, e) => {
    if (e in NAMED) return NAMED[e];
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}

/** The hidden fields of a page's form, in order. */
export function hiddenFields(html) {
  return [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map(
    ([, name, value]) => [unescapeHtml(name), unescapeHtml(value)],
  );
}

export class Agent {
  jar = new Map();

  async send(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.jar.size) {
      headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      if (value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  async postForm(url, fields) {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  }

  /** Opens `authorizationUrl`, signs in on sigil's page, and returns where sigil sends
   * the browser next (the client's redirect URI, with the code). */
  async signIn(authorizationUrl, username, password) {
    const page = await this.send(authorizationUrl);
    assert.equal(page.status, 200, 'the login page');
    const html = await page.text();
    assert.match(html, /<label for="username">/);
    const fields = hiddenFields(html);
    fields.push(['username', username], ['password', password]);
    const res = await this.postForm(new URL('/login', authorizationUrl), fields);
    assert.equal(res.status, 303, `signed in: ${res.status}`);
    return new URL(res.headers.get('location'));
  }
}

/** What scripts/interop hands every test. */
export function setting(name) {
  const value = process.env[name];
  assert.ok(value, `${name} is set (scripts/interop sets it)`);
  return value;
}
