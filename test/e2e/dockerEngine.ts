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
      unmountUnder(dir);
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
const processesUnder = (dir: string): number[] => pidsWith(`${dir}/`);

/** Pids of live processes (not this one, no zombies) whose space-joined command line contains `needle`. */
function pidsWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (/\) Z /.test(readFileSync(`/proc/${entry}/stat`, "utf8"))) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").includes(needle))
        pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Whether `pid` is a live process (not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** The engine's dockerd command line, to start it again as it was. */
const engineArgv = (engine: TestEngine): string[] =>
  readFileSync(`/proc/${engine.pid()}/cmdline`, "utf8").split("\0").filter(Boolean);

/**
 * A power cut of the emulated host: `containerPids`, the engine, its containerd and shims, the port proxies of `ports`,
 * all SIGKILLed at once; then what a reboot clears — every runtime mount and the exec root (a tmpfs, /run/docker, on
 * a real host). The data root (images, containers, volumes) stays. Returns dockerd's argv for startAgain.
 */
export async function powerCut(engine: TestEngine, containerPids: number[], ports: number[] = []): Promise<string[]> {
  const argv = engineArgv(engine);
  for (const pid of containerPids) signal(pid, "SIGKILL");
  for (const pid of processesUnder(engine.dir)) signal(pid, "SIGKILL");
  for (const port of ports) for (const pid of pidsWith(`-host-port ${port} `)) signal(pid, "SIGKILL");
  for (let i = 0; i < 60 && [...containerPids, ...processesUnder(engine.dir)].some(alive); i++) await sleep(500);
  unmountUnder(engine.dir);
  rmSync(path.join(engine.dir, "exec"), { recursive: true, force: true });
  return argv;
}

/** SIGTERM the engine's dockerd and wait until it is gone (its containers as live-restore says); its argv for startAgain. */
export async function stopEngine(engine: TestEngine): Promise<string[]> {
  const argv = engineArgv(engine);
  const pid = engine.pid();
  signal(pid, "SIGTERM");
  for (let i = 0; i < 120 && alive(pid); i++) await sleep(500);
  if (alive(pid)) throw new Error(`the test engine's dockerd (pid ${pid}) did not stop within 60 s of SIGTERM`);
  return argv;
}

/** Every mount under `dir` (container root filesystems, shm, network namespaces), deepest first. */
function unmountUnder(dir: string): void {
  spawnSync("sh", ["-c", `grep -F ' ${dir}/' /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l`]);
}

/**
 * Start the engine again from its argv (after powerCut or stopEngine) and wait until it answers, at most
 * `answerWithinS` (after a power cut dockerd first gives up on the dead containers' shims: some minutes).
 */
export async function startAgain(engine: TestEngine, argv: string[], answerWithinS = 180): Promise<void> {
  const log = openSync(path.join(engine.dir, "dockerd.log"), "a");
  spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ["ignore", log, log] }).unref();
  for (let i = 0; engine.docker(["info"]).code !== 0; i++) {
    if (i > answerWithinS * 2) {
      const text = readFileSync(path.join(engine.dir, "dockerd.log"), "utf8");
      throw new Error(`the test engine did not answer again within ${answerWithinS} s:\n${text.slice(-4000)}`);
    }
    await sleep(500);
  }
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
