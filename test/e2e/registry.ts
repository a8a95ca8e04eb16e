// A private Docker registry for the image tests: Debian's docker-registry (distribution 2.x) run as our own
// process on 127.0.0.1 with its own config, htpasswd (bcrypt) basic auth and storage in a temp dir.
// dockerd treats 127.0.0.0/8 registries as insecure by default, so plain HTTP is enough for both engines; with
// `tls` it serves HTTPS with a throw-away self-signed certificate (dockerd skips verifying it for 127.0.0.0/8).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface Registry {
  /** host:port, the prefix of image names pushed to it (e.g. `${address}/kit/redis:7`). */
  readonly address: string;
  readonly user: string;
  readonly password: string;
  /** HTTPS with a self-signed certificate (see startRegistry). */
  readonly tls: boolean;
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

function config(port: number, dir: string, tls: boolean): string {
  // distribution's YAML config; JSON is valid YAML, and keeps this free of indentation mistakes.
  return JSON.stringify(
    {
      version: 0.1,
      log: { level: "info", formatter: "text" },
      storage: { filesystem: { rootdirectory: path.join(dir, "data") }, delete: { enabled: true } },
      http: {
        addr: `127.0.0.1:${port}`,
        secret: randomBytes(16).toString("hex"),
        ...(tls ? { tls: { certificate: path.join(dir, "cert.pem"), key: path.join(dir, "key.pem") } } : {}),
      },
      auth: { htpasswd: { realm: "queuekit-e2e", path: path.join(dir, "htpasswd") } },
    },
    null,
    2,
  );
}

/** `GET /v2/` status: 401 without credentials once the registry serves, 200 with the right ones. */
export async function probe(address: string, auth?: { user: string; password: string }, tls = false): Promise<number> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`;
  if (tls)
    // node's fetch cannot skip verifying the self-signed certificate; https.request can.
    return new Promise((resolve, reject) => {
      const req = request(`https://${address}/v2/`, { headers, rejectUnauthorized: false, timeout: 5_000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.end();
    });
  const res = await fetch(`http://${address}/v2/`, { headers, signal: AbortSignal.timeout(5_000) });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Start a registry on 127.0.0.1:`port` (a port of the caller's range) and wait until it accepts the user; `tls`:
 * HTTPS with a self-signed certificate for 127.0.0.1 made here (one day, in the registry's temp dir).
 */
export async function startRegistry(port: number, tls = false): Promise<Registry> {
  const tools = ensureTools();
  const dir = mkdtempSync(path.join(tmpdir(), "qk-registry-"));
  if (tls)
    run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ]);
  const user = "queuekit";
  const password = randomBytes(12).toString("hex");
  // -B: bcrypt, the only hash distribution's htpasswd auth accepts.
  writeFileSync(path.join(dir, "htpasswd"), run(tools.htpasswd, ["-Bbn", user, password]), { mode: 0o600 });
  const configFile = path.join(dir, "config.yml");
  writeFileSync(configFile, config(port, dir, tls));
  const logFile = path.join(dir, "registry.log");
  const logFd = openSync(logFile, "a");
  const child: ChildProcess = spawn(tools.registry, ["serve", configFile], { stdio: ["ignore", logFd, logFd] });
  const address = `127.0.0.1:${port}`;
  const log = () => readFileSync(logFile, "utf8");
  const registry: Registry = {
    address,
    user,
    password,
    tls,
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
    const status = await probe(address, { user, password }, tls).catch(() => 0);
    if (status === 200) return registry;
    if (i >= 100 || child.exitCode !== null) {
      const text = log();
      await registry.stop();
      throw new Error(`docker-registry on ${address} did not accept ${user} (last status ${status}):\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
