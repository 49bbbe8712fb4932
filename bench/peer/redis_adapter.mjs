// A Redis adapter for oidc-provider, written for the benchmark after the shape of
// the example adapters in the oidc-provider repository (one key per model
// instance, a per-grant index so a grant can be revoked at once, secondary
// lookups by session uid and user code). Payloads are JSON strings with a TTL;
// "consumed" is a separate key so that consume() is a single write and find()
// a single MGET round trip.
import Redis from 'ioredis';

const GRANTABLE = new Set([
  'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
]);
const CONSUMABLE = new Set([
  'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
]);

export function redisAdapterFactory(url, prefix) {
  const redis = new Redis(url, { keyPrefix: prefix, enableAutoPipelining: true });

  class RedisAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const tx = redis.multi();
      if (expiresIn) {
        tx.set(key, JSON.stringify(payload), 'EX', expiresIn);
      } else {
        tx.set(key, JSON.stringify(payload));
      }
      if (GRANTABLE.has(this.model) && payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        tx.sadd(grantKey, key);
        if (expiresIn) {
          // Redis 7: only ever lengthen the index's life (GT), or give it one (NX).
          tx.expire(grantKey, expiresIn, 'NX');
          tx.expire(grantKey, expiresIn, 'GT');
        }
      }
      if (payload.userCode) {
        tx.set(`userCode:${payload.userCode}`, id, 'EX', expiresIn);
      }
      if (payload.uid) {
        tx.set(`uid:${payload.uid}`, id, 'EX', expiresIn);
      }
      await tx.exec();
    }

    async find(id) {
      if (!id) return undefined;
      const key = this.key(id);
      if (!CONSUMABLE.has(this.model)) {
        const raw = await redis.get(key);
        return raw ? JSON.parse(raw) : undefined;
      }
      const [raw, consumed] = await redis.mget(key, `${key}:consumed`);
      if (!raw) return undefined;
      const payload = JSON.parse(raw);
      if (consumed) payload.consumed = Number(consumed);
      return payload;
    }

    async findByUid(uid) {
      return this.find(await redis.get(`uid:${uid}`));
    }

    async findByUserCode(userCode) {
      return this.find(await redis.get(`userCode:${userCode}`));
    }

    async consume(id) {
      const key = this.key(id);
      const ttl = await redis.ttl(key);
      const now = Math.floor(Date.now() / 1000);
      if (ttl > 0) {
        await redis.set(`${key}:consumed`, now, 'EX', ttl);
      } else {
        await redis.set(`${key}:consumed`, now);
      }
    }

    async destroy(id) {
      const key = this.key(id);
      await redis.del(key, `${key}:consumed`);
    }

    async revokeByGrantId(grantId) {
      const grantKey = `grant:${grantId}`;
      const keys = await redis.smembers(grantKey);
      const tx = redis.multi();
      for (const key of keys) {
        // smembers returns keys without the client-side prefix already applied.
        tx.del(key, `${key}:consumed`);
      }
      tx.del(grantKey);
      await tx.exec();
    }
  }

  RedisAdapter.quit = () => redis.quit();
  return RedisAdapter;
}
