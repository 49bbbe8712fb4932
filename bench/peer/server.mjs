// The peer for `make bench`: panva's oidc-provider configured like lk-idp —
// one confidential client (client_secret_basic), RS256 ID tokens (an ES256 key
// published beside it, as lk-idp does), opaque access tokens, refresh tokens
// always issued and always rotated, claims in the ID token as lk-idp puts them.
// A fixed account signs in through a minimal interaction endpoint so that the
// harness can prepare authorization codes through the real /auth endpoint.
//
// Environment: PEER_ISSUER, PEER_PORT, PEER_ADAPTER (redis|memory),
// PEER_REDIS_URL, PEER_REDIS_PREFIX, PEER_CLIENT_ID, PEER_CLIENT_SECRET,
// PEER_REDIRECT_URI, PEER_TTL (code TTL seconds).
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

import { redisAdapterFactory } from './redis_adapter.mjs';

const env = process.env;
const issuer = env.PEER_ISSUER;
const port = Number(env.PEER_PORT);
const ACCOUNT = 'bench-account-1';
const SCOPE = 'openid profile email phone offline_access';
const CLAIMS = [
  'sub', 'email', 'email_verified', 'phone_number', 'phone_number_verified',
  'family_name', 'given_name', 'middle_name', 'name', 'locale',
];

function signingKeys() {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return [
    { ...rsa, kid: 'bench-rs256', alg: 'RS256', use: 'sig' },
    { ...ec, kid: 'bench-es256', alg: 'ES256', use: 'sig' },
  ];
}

async function memoryAdapter() {
  // The peer's own in-memory adapter, with its LRU made large enough to hold the
  // codes the harness prepares (its default keeps 1000-2000 entries).
  const base = new URL('./node_modules/oidc-provider/lib/', import.meta.url);
  const { default: MemoryAdapter } = await import(new URL('adapters/memory_adapter.js', base));
  const { default: LRU } = await import(new URL('helpers/lru.js', base));
  const store = new LRU({ maxSize: 2_000_000 });
  return (model) => new MemoryAdapter(model, store, 15);
}

const adapter = env.PEER_ADAPTER === 'redis'
  ? redisAdapterFactory(env.PEER_REDIS_URL, env.PEER_REDIS_PREFIX)
  : await memoryAdapter();

const configuration = {
  adapter,
  clients: [{
    client_id: env.PEER_CLIENT_ID,
    client_secret: env.PEER_CLIENT_SECRET,
    redirect_uris: [env.PEER_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: signingKeys() },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'phone'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    phone: ['phone_number', 'phone_number_verified'],
    profile: ['family_name', 'given_name', 'middle_name', 'name', 'locale'],
  },
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
  },
  pkce: { required: () => false },
  responseTypes: ['code'],
  // lk-idp's codes and tokens live on after the SSO session ends; so do these.
  expiresWithSession: async () => false,
  issueRefreshToken: async () => true,
  rotateRefreshToken: () => true,
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // A first-party client: consent is implied, one fresh grant per authorization.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      accountId: ctx.oidc.session.accountId,
      clientId: ctx.oidc.client.clientId,
    });
    grant.addOIDCScope(SCOPE);
    grant.addOIDCClaims(CLAIMS);
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: 'bench@example.org',
          email_verified: true,
          phone_number: '+79990000001',
          phone_number_verified: true,
          family_name: 'Иванов',
          given_name: 'Иван',
          middle_name: 'Иванович',
          name: 'Иван Иванович Иванов',
          locale: 'ru',
        };
      },
    };
  },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: Number(env.PEER_CODE_TTL || 600),
    IdToken: 600,
    RefreshToken: 30 * 24 * 3600,
    Interaction: 3600,
    Session: 12 * 3600,
    Grant: 30 * 24 * 3600,
  },
};

const provider = new Provider(issuer, configuration);
const oidc = provider.callback();
if (env.PEER_DEBUG) {
  provider.on('grant.error', (ctx, err) => console.error('grant.error', err.message, err.error_description));
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
}

async function interaction(req, res) {
  // The benchmark's sign-in: a fixed account, no form.
  await provider.interactionDetails(req, res);
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: ACCOUNT, amr: ['pwd'] } },
    { mergeWithLastSubmission: false },
  );
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  oidc(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`peer oidc-provider on ${issuer} (${env.PEER_ADAPTER})`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    if (adapter.quit) adapter.quit();
    process.exit(0);
  });
}
