// A second, throw-away dockerd for the tests that restart "the host's engine": its own daemon.json, data,
// sockets, pid file and bridge, no iptables rules, so restarting it cannot disturb the shared engine other
// tests and developers use on this machine.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface TestEngine {
  readonly dir: string;
  /** The daemon.json this engine reads (--config-file). */
  readonly configFile: string;
  /** unix://… for `docker -H`. */
  readonly host: string;
  /** The current dockerd's pid (it changes when the kit restarts the engine). */
  pid(): number;
  docker(args: string[]): { code: number; stdout: string; stderr: string };
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start a dockerd reading `config` (written first when given; no file at all when undefined). */
export async function startTestEngine(config?: string): Promise<TestEngine> {
  const dir = mkdtempSync(path.join(tmpdir(), "qk-engine-"));
  // Its own bridge: with `--bridge none` dockerd deletes the host's docker0, which the shared engine uses.
  const bridge = `qkbr${path.basename(dir).slice(-6)}`;
  const link = spawnSync("ip", ["link", "add", "name", bridge, "type", "bridge"], { encoding: "utf8" });
  if (link.status !== 0) throw new Error(`ip link add ${bridge}: ${link.stderr}`);
  const configFile = path.join(dir, "daemon.json");
  if (config !== undefined) writeFileSync(configFile, config);
  const sock = path.join(dir, "docker.sock");
  const pidFile = path.join(dir, "docker.pid");
  const log = openSync(path.join(dir, "dockerd.log"), "a");
  // setsid (detached): like scripts/docker-engine.sh, the engine is not tied to the test's process group.
  const child = spawn(
    "dockerd",
    [
      "--config-file",
      configFile,
      "--data-root",
      path.join(dir, "data"),
      "--exec-root",
      path.join(dir, "exec"),
      "--pidfile",
      pidFile,
      "-H",
      `unix://${sock}`,
      "--bridge",
      bridge,
      "--iptables=false",
      "--ip-masq=false",
    ],
    { detached: true, stdio: ["ignore", log, log] },
  );
  child.unref();
  const engine: TestEngine = {
    dir,
    configFile,
    host: `unix://${sock}`,
    pid: () => Number(readFileSync(pidFile, "utf8").trim()),
    docker(args) {
      const r = spawnSync("docker", ["-H", `unix://${sock}`, ...args], { encoding: "utf8", timeout: 120_000 });
      return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    },
    async stop() {
      engine.docker(["rm", "-f", ...engine.docker(["ps", "-aq"]).stdout.split("\n").filter(Boolean)]);
      // Each bridge network of this engine has a host link (br-<id>) that outlives a killed engine: note them first.
      const networks = engine.docker(["network", "ls", "-q", "--filter", "driver=bridge"]).stdout.split("\n");
      // The engine and its containerd have the temp dir on their command line (shims end with their containers).
      for (const pid of processesUnder(dir)) signal(pid, "SIGTERM");
      for (let i = 0; i < 60 && processesUnder(dir).length > 0; i++) await sleep(500);
      for (const pid of processesUnder(dir)) signal(pid, "SIGKILL");
      spawnSync("sh", ["-c", `grep -F ' ${dir}/' /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l`]);
      rmSync(dir, { recursive: true, force: true });
      spawnSync("ip", ["link", "delete", bridge]);
      for (const id of networks.filter(Boolean)) spawnSync("ip", ["link", "delete", `br-${id.slice(0, 12)}`]);
    },
  };
  for (let i = 0; engine.docker(["info"]).code !== 0; i++) {
    if (i > 120) {
      const text = readFileSync(path.join(dir, "dockerd.log"), "utf8");
      await engine.stop();
      throw new Error(`test dockerd did not answer on ${sock} within 60 s:\n${text.slice(-3000)}`);
    }
    await sleep(500);
  }
  return engine;
}

/** Pids of live processes whose command line names a path in `dir`: the engine started here, its containerd. */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (/\) Z /.test(stat)) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** The image the kit's tests use, copied into the test engine from the shared one. */
export function loadImage(engine: TestEngine, image: string): void {
  const r = spawnSync("sh", ["-c", `docker save "$0" | docker -H "$1" load -q`, image, engine.host], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`loading ${image} into the test engine: ${r.stderr}`);
}
