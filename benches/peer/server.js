// The benchmark's peer: panva's oidc-provider, configured like sigil for each scenario.
//
//   PORT=4000 SECRET=… node server.js
//
// One confidential client ("bench") may use client_credentials, authorization_code and
// refresh_token. Access tokens for the resource `urn:bench:jwt` are ES256 JWTs (issuance);
// those for `urn:bench:opaque` are opaque (introspection: oidc-provider cannot introspect
// its own JWTs). Refresh tokens rotate on every use, as sigil's do. Logins go through the
// development interactions, which check no password: the login scenario is sigil's alone.
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 4000);
const secret = process.env.SECRET;
if (!secret) throw new Error('SECRET is required');

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench', use: 'sig', alg: 'ES256' };

// The development adapter is an LRU of 1 000 entries: with 10 000 live tokens it would
// answer most introspections from an evicted (so inactive) entry, a cheap miss. This one
// keeps everything until it expires.
const models = new Map();
const grants = new Map();

class MapAdapter {
  constructor(name) {
    if (!models.has(name)) models.set(name, new Map());
    this.entries = models.get(name);
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    this.entries.set(id, { payload, expiresAt });
    if (payload.grantId) {
      if (!grants.has(payload.grantId)) grants.set(payload.grantId, []);
      grants.get(payload.grantId).push([this.entries, id]);
    }
  }

  async find(id) {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    for (const [id, { payload }] of this.entries) {
      if (payload.uid === uid) return this.find(id);
    }
    return undefined;
  }

  async findByUserCode(userCode) {
    for (const [id, { payload }] of this.entries) {
      if (payload.userCode === userCode) return this.find(id);
    }
    return undefined;
  }

  async consume(id) {
    const entry = this.entries.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    this.entries.delete(id);
  }

  async revokeByGrantId(grantId) {
    for (const [entries, id] of grants.get(grantId) ?? []) entries.delete(id);
    grants.delete(grantId);
  }
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: MapAdapter,
  clients: [
    {
      client_id: 'bench',
      client_secret: secret,
      grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      scope: 'openid offline_access read',
    },
  ],
  cookies: { keys: [secret] },
  jwks: { keys: [signingKey] },
  scopes: ['openid', 'offline_access', 'read'],
  rotateRefreshToken: true,
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:bench:jwt',
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => ({
        scope: 'read',
        audience: indicator,
        accessTokenTTL: 3600,
        accessTokenFormat: indicator.endsWith(':opaque') ? 'opaque' : 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${port}`);
});
