// A private Docker registry for the image tests: Debian's docker-registry (distribution 2.x) run as our own
// process on 127.0.0.1 with its own config, htpasswd (bcrypt) basic auth and storage in a temp dir.
// dockerd treats 127.0.0.0/8 registries as insecure by default, so plain HTTP is enough for both engines.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface Registry {
  /** host:port, the prefix of image names pushed to it (e.g. `${address}/kit/redis:7`). */
  readonly address: string;
  readonly user: string;
  readonly password: string;
  /** Its temp dir: config, htpasswd, storage, log. */
  readonly dir: string;
  /** The registry's own log (requests, auth failures). */
  log(): string;
  /** Kill the registry and remove its config, htpasswd and storage. */
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.error ?? ""}`);
  return r.stdout;
}

/** The registry binary and htpasswd, installed from Debian when missing (the tests run as root). */
function ensureTools(): { registry: string; htpasswd: string } {
  const which = (name: string) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  if (which("docker-registry").status !== 0 || which("htpasswd").status !== 0) {
    run("sh", [
      "-c",
      "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry apache2-utils",
    ]);
  }
  return { registry: which("docker-registry").stdout.trim(), htpasswd: which("htpasswd").stdout.trim() };
}

function config(port: number, dir: string): string {
  // distribution's YAML config; JSON is valid YAML, and keeps this free of indentation mistakes.
  return JSON.stringify(
    {
      version: 0.1,
      log: { level: "info", formatter: "text" },
      storage: { filesystem: { rootdirectory: path.join(dir, "data") }, delete: { enabled: true } },
      http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString("hex") },
      auth: { htpasswd: { realm: "queuekit-e2e", path: path.join(dir, "htpasswd") } },
    },
    null,
    2,
  );
}

/** `GET /v2/` status: 401 without credentials once the registry serves, 200 with the right ones. */
export async function probe(address: string, auth?: { user: string; password: string }): Promise<number> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`;
  const res = await fetch(`http://${address}/v2/`, { headers, signal: AbortSignal.timeout(5_000) });
  await res.arrayBuffer();
  return res.status;
}

/** Start a registry on 127.0.0.1:`port` (a port of the caller's range) and wait until it accepts the user. */
export async function startRegistry(port: number): Promise<Registry> {
  const tools = ensureTools();
  const dir = mkdtempSync(path.join(tmpdir(), "qk-registry-"));
  const user = "queuekit";
  const password = randomBytes(12).toString("hex");
  // -B: bcrypt, the only hash distribution's htpasswd auth accepts.
  writeFileSync(path.join(dir, "htpasswd"), run(tools.htpasswd, ["-Bbn", user, password]), { mode: 0o600 });
  const configFile = path.join(dir, "config.yml");
  writeFileSync(configFile, config(port, dir));
  const logFile = path.join(dir, "registry.log");
  const logFd = openSync(logFile, "a");
  const child: ChildProcess = spawn(tools.registry, ["serve", configFile], { stdio: ["ignore", logFd, logFd] });
  const address = `127.0.0.1:${port}`;
  const log = () => readFileSync(logFile, "utf8");
  const registry: Registry = {
    address,
    user,
    password,
    dir,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; ; i++) {
    const status = await probe(address, { user, password }).catch(() => 0);
    if (status === 200) return registry;
    if (i >= 100 || child.exitCode !== null) {
      const text = log();
      await registry.stop();
      throw new Error(`docker-registry on ${address} did not accept ${user} (last status ${status}):\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
