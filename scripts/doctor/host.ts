// Where the doctor runs its commands: this machine, or the stack's VPS through the `ssh` CLI.
import { spawnSync } from "node:child_process";
import type { Connection } from "../../infra/config/types";
import { asRoot } from "../../infra/render/shell";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a POSIX sh script on the stack's host (as root over SSH, through `sudo -n` for another user). */
export type Runner = (script: string, input?: string) => RunResult;

const TIMEOUT_MS = 60_000;

function spawn(command: string, args: readonly string[], input?: string, env?: NodeJS.ProcessEnv): RunResult {
  const r = spawnSync(command, args, { input, env, encoding: "utf8", timeout: TIMEOUT_MS, maxBuffer: 64 * 2 ** 20 });
  return {
    code: r.status ?? -1,
    stdout: r.stdout ?? "",
    stderr: (r.stderr ?? "") + (r.error ? String(r.error) : ""),
  };
}

/** This machine's shell; `dockerHost` (the stack's docker:host) points its docker CLI at that engine. */
export function localRunner(dockerHost?: string): Runner {
  const env = dockerHost ? { ...process.env, DOCKER_HOST: dockerHost } : undefined;
  return (script, input) => spawn("sh", ["-c", script], input, env);
}

/**
 * `ssh` with the options Docker's ssh:// transport gets (BatchMode, host.connection.sshOptions: key, known-hosts
 * file), plus the stack's sshPrivateKey secret when one was written to `keyFile`. The agent and ~/.ssh/config apply.
 */
export function sshArgs(connection: Extract<Connection, { kind: "ssh" }>, keyFile?: string): string[] {
  return [
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=15",
    ...connection.sshOptions,
    ...(keyFile ? ["-i", keyFile] : []),
    "-p",
    String(connection.port),
    `${connection.user}@${connection.host}`,
  ];
}

export function sshRunner(connection: Extract<Connection, { kind: "ssh" }>, keyFile?: string): Runner {
  const args = sshArgs(connection, keyFile);
  return (script, input) => spawn("ssh", [...args, asRoot(script, connection)], input);
}
