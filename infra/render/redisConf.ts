import { fill, readTemplate } from "./template";

import type { MaxmemoryPolicy, Persistence } from "../config/types";

export interface RedisConfInput {
  readonly stack: string;
  readonly port: number;
  readonly password: string;
  readonly tcpBacklog: number;
  readonly maxmemoryBytes: number;
  readonly containerLimitBytes: number;
  readonly maxmemoryPolicy: MaxmemoryPolicy;
  readonly persistence: Persistence;
  /** Needs Redis' bundled jemalloc (official images); distribution builds refuse `activedefrag yes`. */
  readonly activeDefrag: boolean;
  /** TLS only: the directory holding ca.crt, server.crt and server.key. Absent: plain text on `port`. */
  readonly tlsDir?: string;
}

/** `port N`, or with TLS the plain-text port closed and `tls-port N` with the stack's certificate. */
function listenBlock(port: number, tlsDir?: string): string {
  if (!tlsDir) return `port ${port}`;
  return [
    "# TLS only (redis.tls): no plain-text port; clients verify the server against the stack's generated CA.",
    "port 0",
    `tls-port ${port}`,
    `tls-cert-file ${tlsDir}/server.crt`,
    `tls-key-file ${tlsDir}/server.key`,
    `tls-ca-cert-file ${tlsDir}/ca.crt`,
    "# Clients authenticate with the password (requirepass), not with certificates of their own.",
    "tls-auth-clients no",
    'tls-protocols "TLSv1.2 TLSv1.3"',
  ].join("\n");
}

export { REDIS_TLS_DIR } from "../../policies/contract/redis";

const policyReasons: Record<MaxmemoryPolicy, string> = {
  noeviction: "Full memory rejects new writes (the producer sees an error) instead of deleting queued tasks.",
  "volatile-lru": "Only keys with a TTL (task results) are evicted; Celery's queue lists have none, so they stay.",
  "volatile-lfu": "Only keys with a TTL (task results) are evicted, least used first; queue lists have no TTL.",
  "volatile-ttl": "Only keys with a TTL (task results) are evicted, nearest expiry first; queue lists have no TTL.",
  "volatile-random": "Only keys with a TTL (task results) are evicted, at random; queue lists have no TTL.",
};

/** The complete redis.conf for one broker; pure, so snapshot tests and redis-server can check it. */
export function renderRedisConf(input: RedisConfInput): string {
  if (input.maxmemoryBytes >= input.containerLimitBytes) {
    throw new Error(
      `maxmemory ${input.maxmemoryBytes} must stay below the container limit ${input.containerLimitBytes}`,
    );
  }
  return fill(readTemplate("redis/redis.conf.tmpl"), {
    stack: input.stack,
    listenBlock: listenBlock(input.port, input.tlsDir),
    password: input.password,
    tcpBacklog: input.tcpBacklog,
    maxmemory: input.maxmemoryBytes,
    containerLimitMiB: Math.floor(input.containerLimitBytes / 2 ** 20),
    maxmemoryPolicy: input.maxmemoryPolicy,
    policyReason: policyReasons[input.maxmemoryPolicy],
    persistence: input.persistence,
    defragBlock: readTemplate(`redis/defrag-${input.activeDefrag ? "on" : "off"}.conf`).trimEnd(),
    persistenceBlock: readTemplate(`redis/persistence-${input.persistence}.conf`).trimEnd(),
  });
}
