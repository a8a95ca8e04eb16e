import type { MonitoringConfig } from "../config/monitoring";
import { fill, readTemplate } from "./template";

/** Inside the exporter container: a JSON map of Redis URL → password, so the password is in no argv or env. */
export const EXPORTER_PASSWORD_FILE = "/etc/queuekit/redis-passwords.json";
/** With redis.tls: the stack's CA, beside the password file, that the exporter verifies Redis against. */
export const EXPORTER_CA_FILE = "/etc/queuekit/redis-ca.crt";
/** The exporter's HTTP port inside the container (it is published on monitoring.port). */
export const EXPORTER_PORT = 9121;
/** Alert on Redis' RSS at this share of its container limit: past it the kernel's OOM kill is near. */
export const RSS_ALERT_RATIO = 0.9;

export interface ExporterInput {
  /** Redis' address on the stack's Docker network. */
  readonly redisUrl: string;
  /** Every queue the worker pools consume: the exporter reports each list's length. */
  readonly queues: readonly string[];
  /** redis.tls: verify Redis (rediss://) against the CA file. */
  readonly tls?: boolean;
}

/** The Redis exporter's flags (the image's entrypoint is the exporter). */
export function exporterArgs(input: ExporterInput): string[] {
  const keys = [...new Set(input.queues)].map((q) => `db0=${q}`).join(",");
  return [
    "-redis.addr",
    input.redisUrl,
    "-redis.password-file",
    EXPORTER_PASSWORD_FILE,
    "-check-single-keys",
    keys,
    "-web.listen-address",
    `:${EXPORTER_PORT}`,
    ...(input.tls ? ["-tls-ca-cert-file", EXPORTER_CA_FILE] : []),
  ];
}

/** The password file the exporter reads (secret). */
export const exporterPasswordFile = (redisUrl: string, password: string): string =>
  `${JSON.stringify({ [redisUrl]: password }, null, 2)}\n`;

export interface AlertRulesInput {
  readonly stack: string;
  readonly monitoring: MonitoringConfig;
  readonly queues: readonly string[];
  readonly maxmemoryBytes: number;
  readonly redisLimitBytes: number;
}

// A queue name as a regex inside a PromQL string: regex metacharacters and quotes escaped, backslashes doubled.
const regexQuote = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&").replace(/"/g, '\\"');

/** Prometheus alert rules for the stack, thresholds from its memory plan. */
export function renderAlertRules(input: AlertRulesInput): string {
  const { monitoring } = input;
  const target =
    monitoring.bind === "none" ? `its Docker network, port ${EXPORTER_PORT}` : `${monitoring.bind}:${monitoring.port}`;
  return fill(readTemplate("monitoring/alerts.yml.tmpl"), {
    stack: input.stack,
    target,
    maxmemory: input.maxmemoryBytes,
    containerLimit: input.redisLimitBytes,
    rssAlertBytes: Math.floor(input.redisLimitBytes * RSS_ALERT_RATIO),
    queueRegex: [...new Set(input.queues)].map(regexQuote).join("|"),
    backlog: monitoring.queueBacklogAlert,
    forRedisDown: monitoring.alertFor.redisDown,
    forNoWorker: monitoring.alertFor.noWorker,
    forNearMaxmemory: monitoring.alertFor.nearMaxmemory,
    forRssNearLimit: monitoring.alertFor.rssNearLimit,
    forQueueBacklog: monitoring.alertFor.queueBacklog,
  });
}
