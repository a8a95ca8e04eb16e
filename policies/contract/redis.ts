// Redis settings the kit allows and the pack accepts for a Celery broker.

/** maxmemory-policy values that never evict a key without a TTL (Celery's queue lists have none). */
export const EVICTION_SAFE_POLICIES = [
  "noeviction",
  "volatile-lru",
  "volatile-lfu",
  "volatile-ttl",
  "volatile-random",
] as const;

export type EvictionSafePolicy = (typeof EVICTION_SAFE_POLICIES)[number];

/** Redis' own default maxmemory-policy. */
export const REDIS_DEFAULT_POLICY: EvictionSafePolicy = "noeviction";

/** Where the kit's Redis container has its TLS files with redis.tls (ca.crt, server.crt, server.key), beside redis.conf. */
export const REDIS_TLS_DIR = "/usr/local/etc/redis/tls";
/** Redis' TLS server key: the one private key a Redis container must have on disk (uploaded there as a Pulumi secret). */
export const REDIS_TLS_KEY_FILE = `${REDIS_TLS_DIR}/server.key`;
