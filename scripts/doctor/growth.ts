// When to grow, on the running stack: the plan's limits with what Redis holds now (used_memory, else queue lengths).
import type { MeasuredLoad } from "../../infra/plan/grow";
import type { RedisFacts } from "./types";

/** What the doctor measured of the load: Redis' used_memory when INFO answered, else Σ LLEN of the queues it read. */
export function measuredLoadOf(redis: RedisFacts): MeasuredLoad {
  const used = Number(redis.info?.used_memory);
  if (Number.isFinite(used) && used > 0) return { redisUsedBytes: used };
  const lengths = Object.values(redis.queueLengths).filter((n): n is number => n !== undefined);
  return lengths.length ? { queuedMessages: lengths.reduce((a, b) => a + b, 0) } : {};
}
