// The monitoring side component's keys (the Redis exporter): its form, plain defaults and parsed type.
import { z } from "zod";
import { MiB } from "./units";
import { bindAddress, bool, int, size, strict, text } from "./zod";

export interface MonitoringConfig {
  readonly enabled: boolean;
  /** Container limit of the Redis exporter, in bytes. */
  readonly memory: number;
  readonly image: string;
  /** Host address the metrics port is published on, or "none" (the Docker network only). */
  readonly bind: string;
  readonly port: number;
  /** Messages waiting in one queue above which the QueueBacklog alert fires. */
  readonly queueBacklogAlert: number;
}

export const monitoringSchema: z.ZodType<MonitoringConfig> = strict("monitoring", {
  enabled: bool().default(false),
  memory: size(16 * MiB).default(64 * MiB),
  // The alpine variant: it has wget for the healthcheck (the plain image is FROM scratch).
  image: text('an image reference, e.g. "oliver006/redis_exporter:v1.45.0-alpine"').default(
    "oliver006/redis_exporter:v1.45.0-alpine",
  ),
  bind: bindAddress("Redis' metrics (keys, clients, config)").default("127.0.0.1"),
  port: int(1, 65535).default(9121),
  queueBacklogAlert: int(1, 100_000_000).default(10_000),
}).prefault({});
