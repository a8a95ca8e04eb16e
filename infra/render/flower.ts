// Flower: the Celery settings module it reads the broker from, its own config file (port, basic auth, bounded task
// memory) and its argv. Both files hold secrets (the broker password, Flower's password): uploaded, never in argv/env.
import type { FlowerConfig } from "../config/flower";
import { tlsBlock } from "./celery";

/** Flower's HTTP port inside the container (published on flower.port). */
export const FLOWER_PORT = 5555;
export const FLOWER_CONFIG_DIR = "/etc/queuekit";
/** CIS 5.29's PIDs bound: Flower's Tornado loop, Celery's event receiver and inspect threads, the wget healthcheck. */
export const FLOWER_PIDS_LIMIT = 64;
/** The Celery settings module (`celery --config`), importable from FLOWER_CONFIG_DIR on PYTHONPATH. */
export const FLOWER_CELERY_MODULE = "queuekit_flower_celery";
/** Flower's own options (tornado's config file form: Python assignments). */
export const FLOWER_CONFIG_FILE = `${FLOWER_CONFIG_DIR}/queuekit_flowerconfig.py`;

/** `celery flower`, every option from the config file so that no secret is in the container's argv. */
export const flowerArgv = (): string[] => [
  "python3",
  "-m",
  "celery",
  "--config",
  FLOWER_CELERY_MODULE,
  "flower",
  `--conf=${FLOWER_CONFIG_FILE}`,
];

/** With redis.tls: the stack's CA beside Flower's settings module. */
export const FLOWER_REDIS_CA_FILE = `${FLOWER_CONFIG_DIR}/redis-ca.crt`;

/**
 * The Celery settings Flower needs: the stack's broker (and nothing that publishes tasks); with a rediss:// broker,
 * `tlsCaFile` is the CA Redis is verified against (Celery's connection and Flower's broker page both use it).
 */
export function renderFlowerCelerySettings(stack: string, brokerUrl: string, tlsCaFile?: string): string {
  return [
    `# Celery settings of Flower in stack ${stack}: the broker it watches (the password is a Pulumi secret).`,
    `broker_url = ${JSON.stringify(brokerUrl)}`,
    "broker_connection_retry_on_startup = True",
    // Flower's broker page uses redis-py's asyncio client: 4.3 (Debian's) sets no verify mode from ssl.CERT_REQUIRED.
    tlsBlock(brokerUrl, tlsCaFile, JSON.stringify("required")),
    "",
  ].join("\n");
}

/** Flower's options file: where it listens, its one basic-auth user, how many tasks it keeps in memory. */
export function renderFlowerConfig(flower: FlowerConfig, password: string): string {
  if (/[\r\n]/.test(password)) throw new Error("queuekit:flowerPassword: a line break cannot be sent in basic auth");
  return [
    "# Flower options rendered by queuekit (the password comes from the secret queuekit:flowerPassword).",
    `address = "0.0.0.0"`,
    `port = ${FLOWER_PORT}`,
    `basic_auth = [${JSON.stringify(`${flower.user}:${password}`)}]`,
    "# Every task Flower keeps costs memory: bounded so it stays within flower.memory.",
    `max_tasks = ${flower.maxTasks}`,
    "# In memory only: a restarted Flower starts empty (nothing to write on a read-only root).",
    "persistent = False",
    "",
  ].join("\n");
}
