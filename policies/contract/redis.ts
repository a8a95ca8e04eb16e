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
