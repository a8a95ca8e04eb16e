// Prometheus beside the exporter: its config file (scrape the exporter on the stack network, evaluate the stack's
// alert rules), its flags and its Go memory limit. Pure text.
import type { PrometheusConfig } from "../config/monitoring";
import { EXPORTER_PORT } from "./monitoring";

/** Prometheus' HTTP port inside the container (published on monitoring.prometheus.port). */
export const PROMETHEUS_PORT = 9090;
/** Inside the container: the config file and the alert rules it lists, uploaded by the component. */
export const PROMETHEUS_CONFIG_FILE = "/etc/queuekit/prometheus.yml";
export const ALERT_RULES_FILE = "/etc/queuekit/alerts.yml";
/** The Go heap's soft limit as a share of the container limit: the GC works harder before the kernel OOM-kills. */
export const GOMEMLIMIT_RATIO = 0.8;

export interface PrometheusInput {
  readonly stack: string;
  readonly prometheus: PrometheusConfig;
  /** The exporter's host name on the stack network (its container name). */
  readonly exporterHost: string;
}

/** prometheus.yml: one scrape job (the exporter), the stack's alert rules, a stack label on every series. */
export function renderPrometheusConfig(input: PrometheusInput): string {
  const { prometheus: p } = input;
  return [
    `# Prometheus of queuekit stack "${input.stack}": scrapes its Redis exporter, evaluates its alert rules.`,
    "global:",
    `  scrape_interval: ${p.scrapeInterval}`,
    `  evaluation_interval: ${p.evaluationInterval}`,
    `  external_labels: { stack: ${JSON.stringify(input.stack)} }`,
    "rule_files:",
    `  - ${ALERT_RULES_FILE}`,
    "scrape_configs:",
    "  - job_name: redis",
    "    static_configs:",
    `      - targets: [${JSON.stringify(`${input.exporterHost}:${EXPORTER_PORT}`)}]`,
    "",
  ].join("\n");
}

/**
 * Its flags (the image's entrypoint is prometheus). The data directory is relative to the image's working directory,
 * which both the upstream image (/prometheus) and the local one (/var/lib/prometheus) give to Prometheus' user.
 */
export function prometheusArgs(p: PrometheusConfig): string[] {
  return [
    `--config.file=${PROMETHEUS_CONFIG_FILE}`,
    "--storage.tsdb.path=metrics2",
    `--storage.tsdb.retention.time=${p.retention}`,
    `--web.listen-address=:${PROMETHEUS_PORT}`,
  ];
}

/** GOMEMLIMIT for a container limit, in bytes: the Go runtime collects harder as the heap nears it. */
export const goMemLimit = (limitBytes: number): string => String(Math.floor(limitBytes * GOMEMLIMIT_RATIO));
