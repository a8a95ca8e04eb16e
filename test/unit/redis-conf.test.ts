// redis.conf rendering: pinned by snapshots, and loaded by a real redis-server for every persistence mode.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import type { Persistence } from "../../infra/config/types";
import { renderRedisConf, type RedisConfInput } from "../../infra/render/redisConf";
import { matchSnapshot } from "./snapshot";

const MiB = 2 ** 20;
const base: RedisConfInput = {
  stack: "test",
  port: 6379,
  password: "s3cret-for-tests",
  tcpBacklog: 511,
  maxmemoryBytes: 358 * MiB,
  containerLimitBytes: 512 * MiB,
  maxmemoryPolicy: "noeviction",
  persistence: "aof",
  // Debian's redis-server (used here) is built against the system jemalloc: no active defrag.
  activeDefrag: false,
};

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

/** Start redis-server on the rendered file, ask it for its settings, stop it; returns CONFIG GET answers. */
async function loadInRedis(conf: string): Promise<Record<string, string>> {
  const dir = mkdtempSync(path.join(tmpdir(), "qk-redis-"));
  const port = await freePort();
  // The container's paths and port are swapped for a temp dir and a free port; everything else is as rendered.
  const file = path.join(dir, "redis.conf");
  writeFileSync(
    file,
    conf
      .replace(/^dir .*$/m, `dir ${dir}`)
      .replace(/^port .*$/m, `port ${port}`)
      .replace(/^bind .*$/m, "bind 127.0.0.1"),
  );
  const server = spawn("redis-server", [file], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  server.stdout.on("data", (d) => (log += d));
  server.stderr.on("data", (d) => (log += d));
  try {
    const cli = (...args: string[]) =>
      spawnSync("redis-cli", ["-p", String(port), "--no-auth-warning", "-a", base.password, ...args], {
        encoding: "utf8",
      });
    for (let i = 0; i < 50 && cli("ping").stdout.trim() !== "PONG"; i++) {
      if (server.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(server.exitCode, null, `redis-server refused the config:\n${log}`);
    const get = (key: string) => cli("config", "get", key).stdout.trim().split("\n")[1] ?? "";
    return Object.fromEntries(
      ["maxmemory", "maxmemory-policy", "appendonly", "save", "tcp-backlog"].map((k) => [k, get(k)]),
    );
  } finally {
    server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("redis.conf", () => {
  for (const persistence of ["none", "rdb", "aof"] as Persistence[]) {
    it(`persistence ${persistence}: matches its snapshot and a real redis-server loads it`, async () => {
      const conf = renderRedisConf({ ...base, persistence });
      matchSnapshot(`redis-${persistence}.conf`, conf);
      const live = await loadInRedis(conf);
      assert.equal(live.maxmemory, String(358 * MiB));
      assert.equal(live["maxmemory-policy"], "noeviction");
      assert.equal(live.appendonly, persistence === "aof" ? "yes" : "no");
      assert.equal(live.save === "", persistence !== "rdb");
    });
  }

  it("active defragmentation is rendered for builds that support it", () => {
    assert.match(renderRedisConf({ ...base, activeDefrag: true }), /^activedefrag yes$/m);
    assert.match(renderRedisConf(base), /^activedefrag no$/m);
  });

  it("volatile-lru explains why it is safe for a broker", () => {
    assert.match(renderRedisConf({ ...base, maxmemoryPolicy: "volatile-lru" }), /queue lists have none/);
  });

  it("refuses maxmemory at or above the container limit", () => {
    assert.throws(() => renderRedisConf({ ...base, maxmemoryBytes: 512 * MiB }), /must stay below the container limit/);
  });
});
