// The "VPS" of the SSH end-to-end tests: a real OpenSSH sshd on 127.0.0.1 with its own config, host key and
// client key in a temp dir, key-only auth, logging in as root on this machine.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface Sshd {
  readonly port: number;
  readonly user: "root";
  /** The client's private key (OpenSSH format): what the stack gets as its secret. */
  readonly privateKey: string;
  readonly privateKeyPath: string;
  /** Run a command on the "VPS" with the ssh client, as the kit would. */
  ssh(command: string): { code: number; stdout: string; stderr: string };
  /** sshd's own log (connections, refused auth). */
  log(): string;
  stop(): Promise<void>;
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
  });

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.error ?? ""}`);
  return r.stdout;
}

/** sshd from Debian's openssh-server, installed when missing (the tests run as root). */
export function sshdBinary(): string {
  const have = spawnSync("sh", ["-c", "command -v sshd || ls /usr/sbin/sshd"], { encoding: "utf8" });
  if (have.status === 0) return have.stdout.trim().split("\n")[0];
  run("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server"]);
  return "/usr/sbin/sshd";
}

export interface SshdOptions {
  /** Accept this client key (a private key file; its .pub beside it) instead of a new one: several "hosts", one key. */
  readonly clientKeyFrom?: string;
  /** Environment of every session (sshd's SetEnv): e.g. DOCKER_HOST, so this "host" has its own engine. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Listen on this port of 127.0.0.1 (a test's own range) instead of a free one the kernel picks. */
  readonly port?: number;
}

/** Start sshd on a free port of 127.0.0.1 and wait until it accepts the test key. */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const server = await prepareSshd(options);
  await server.start();
  return server;
}

export interface PreparedSshd extends Sshd {
  /**
   * Start listening. With `delayMs`, sshd starts only after that long, from a separate process (the tests block
   * in spawnSync meanwhile): a host that is still booting. Without it, resolves once the key is accepted.
   */
  start(options?: { delayMs?: number }): Promise<void>;
}

/** Keys, config and port of an sshd that is not started yet (so a stack can be configured for it first). */
export async function prepareSshd(options: SshdOptions = {}): Promise<PreparedSshd> {
  const sshd = sshdBinary();
  const dir = mkdtempSync(path.join(tmpdir(), "qk-sshd-"));
  const port = options.port ?? (await freePort());
  const hostKey = path.join(dir, "host_ed25519");
  const clientKey = options.clientKeyFrom ?? path.join(dir, "client_ed25519");
  run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "queuekit-e2e-host", "-f", hostKey]);
  if (!options.clientKeyFrom)
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "queuekit-e2e-client", "-f", clientKey]);
  const setEnv = Object.entries(options.environment ?? {}).map(([k, v]) => `SetEnv ${k}=${v}`);
  writeFileSync(path.join(dir, "authorized_keys"), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const config = path.join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "UsePAM no",
      // The temp dir is not root's home: its permissions are not the ones StrictModes expects.
      "StrictModes no",
      "Subsystem sftp internal-sftp",
      "LogLevel VERBOSE",
      ...setEnv,
      "",
    ].join("\n"),
  );
  run("mkdir", ["-p", "/run/sshd"]); // privilege separation directory
  run(sshd, ["-t", "-f", config]);

  const logFile = path.join(dir, "sshd.log");
  let child: ChildProcess | undefined;
  const privateKey = readFileSync(clientKey, "utf8");
  const sshArgs = [
    "-i",
    clientKey,
    "-p",
    String(port),
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "root@127.0.0.1",
  ];
  const server: PreparedSshd = {
    port,
    user: "root",
    privateKey,
    privateKeyPath: clientKey,
    ssh(command) {
      const r = spawnSync("ssh", [...sshArgs, command], { encoding: "utf8", timeout: 120_000 });
      return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ?? "") };
    },
    log: () => readFileSync(logFile, "utf8"),
    async start(options = {}) {
      const delay = Math.max(0, Math.round((options.delayMs ?? 0) / 1000));
      const logFd = openSync(logFile, "a");
      const started = spawn("sh", ["-c", `sleep ${delay} && exec "$0" -D -e -f "$1"`, sshd, config], {
        stdio: ["ignore", logFd, logFd],
      });
      child = started;
      if (delay > 0) return;
      for (let i = 0; server.ssh("true").code !== 0; i++) {
        if (i >= 50 || started.exitCode !== null) {
          const log = server.log();
          await server.stop();
          throw new Error(`sshd on 127.0.0.1:${port} did not accept the test key:\n${log}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        const running = child;
        const exited = new Promise((resolve) => running.once("exit", resolve));
        running.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
