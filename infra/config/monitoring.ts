// The monitoring side component's keys (the Redis exporter, and the Prometheus that scrapes it under
// monitoring.prometheus): their form, plain defaults and parsed types.
import { z } from "zod";
import { MiB } from "./units";
import { runAsKey, withRunAs } from "./runAs";
import { bindAddress, bool, int, issue, size, strict, text } from "./zod";

/** How long each alert's condition must hold before it fires (Prometheus durations, e.g. "90s", "5m"). */
export interface AlertWindows {
  readonly redisDown: string;
  readonly noWorker: string;
  readonly nearMaxmemory: string;
  readonly rssNearLimit: string;
  readonly queueBacklog: string;
}

export interface MonitoringConfig {
  readonly enabled: boolean;
  /** Container limit of the Redis exporter, in bytes. */
  readonly memory: number;
  readonly image: string;
  /** The non-root "uid:gid" it runs as (runAs.ts). */
  readonly runAs: string;
  /** Host address the metrics port is published on, or "none" (the Docker network only). */
  readonly bind: string;
  readonly port: number;
  /** Messages waiting in one queue above which the QueueBacklog alert fires. */
  readonly queueBacklogAlert: number;
  /** The alert rules' `for:` windows: a queue that bursts for minutes by design wants a longer queueBacklog. */
  readonly alertFor: AlertWindows;
}

export interface PrometheusConfig {
  readonly enabled: boolean;
  /** Container limit of Prometheus, in bytes. */
  readonly memory: number;
  readonly image: string;
  /** The non-root "uid:gid" it runs as (runAs.ts). */
  readonly runAs: string;
  /** Host address its web UI and API are published on, or "none". */
  readonly bind: string;
  readonly port: number;
  /** How often it scrapes the exporter and evaluates the alert rules (Prometheus durations). */
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  /** How long it keeps samples (Prometheus duration). */
  readonly retention: string;
}

// Prometheus' duration form: number+unit pairs, largest unit first ("1m30s"), not zero; no fractions.
const DURATION = /^(?=\d)(?=.*[1-9])(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const window = (fallback: string) =>
  text(
    'a Prometheus duration above zero: whole numbers with y, w, d, h, m, s or ms, e.g. "30s", "5m", "1h30m"',
    DURATION,
  ).default(fallback);

const alertFor = strict("monitoring.alertFor", {
  redisDown: window("1m"),
  noWorker: window("2m"),
  nearMaxmemory: window("5m"),
  rssNearLimit: window("2m"),
  queueBacklog: window("10m"),
}).prefault({});

const prometheus = strict("monitoring.prometheus", {
  enabled: bool().default(false),
  // It measured 30–40 MiB RSS scraping one exporter (≈ 600 series) every 15 s; the rest is the head block's growth,
  // WAL replay at start and the rule evaluations' working set. GOMEMLIMIT keeps its heap below the limit.
  memory: size(64 * MiB).default(160 * MiB),
  // Upstream's image of the version Debian ships (busybox: it has wget for the healthcheck).
  image: text('an image reference, e.g. "prom/prometheus:v2.42.0"').default("prom/prometheus:v2.42.0"),
  bind: bindAddress("Prometheus' API and web UI (no authentication)").default("127.0.0.1"),
  port: int(1, 65535).default(9090),
  scrapeInterval: window("15s"),
  evaluationInterval: window("15s"),
  retention: window("15d"),
  runAs: runAsKey().optional(),
})
  .transform(withRunAs)
  .prefault({});

/** The monitoring key as parsed: the exporter's keys and Prometheus' (sides.ts lifts them apart). */
export const monitoringSchema: z.ZodType<MonitoringConfig & { readonly prometheus: PrometheusConfig }> = strict(
  "monitoring",
  {
    enabled: bool().default(false),
    memory: size(16 * MiB).default(64 * MiB),
    // The alpine variant: it has wget for the healthcheck (the plain image is FROM scratch).
    image: text('an image reference, e.g. "oliver006/redis_exporter:v1.45.0-alpine"').default(
      "oliver006/redis_exporter:v1.45.0-alpine",
    ),
    bind: bindAddress("Redis' metrics (keys, clients, config)").default("127.0.0.1"),
    port: int(1, 65535).default(9121),
    queueBacklogAlert: int(1, 100_000_000).default(10_000),
    alertFor,
    prometheus,
    runAs: runAsKey().optional(),
  },
)
  .superRefine((m, ctx) => {
    // Prometheus scrapes the exporter and evaluates its rules: without the exporter it has nothing to watch.
    if (m.prometheus.enabled && !m.enabled)
      issue(
        ctx,
        "Prometheus scrapes the Redis exporter and evaluates its alert rules; set monitoring.enabled: true, or monitoring.prometheus.enabled: false",
        ["prometheus", "enabled"],
      );
    if (m.prometheus.enabled && m.prometheus.bind !== "none" && m.bind !== "none" && m.prometheus.port === m.port)
      issue(ctx, `the exporter already publishes port ${m.port}; choose another monitoring.prometheus.port`, [
        "prometheus",
        "port",
      ]);
  })
  .transform(withRunAs)
  .prefault({});
