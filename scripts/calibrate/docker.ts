// The Docker CLI, asynchronously (so Ctrl-C can clean up while a step runs); never throws.
import { spawn } from "node:child_process";

export interface DockerResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface DockerOptions {
  /** Called with each complete stderr line as it arrives (progress of a long step). */
  readonly onStderrLine?: (line: string) => void;
  readonly timeoutMs?: number;
}

export function docker(args: readonly string[], options: DockerOptions = {}): Promise<DockerResult> {
  return new Promise((resolve) => {
    const child = spawn("docker", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGTERM"), options.timeoutMs) : undefined;
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      if (!options.onStderrLine) return;
      const lines = (pending + text).split("\n");
      pending = lines.pop() ?? "";
      lines.forEach(options.onStderrLine);
    });
    child.on("error", (error) => {
      if (timer) clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      if (pending && options.onStderrLine) options.onStderrLine(pending);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** The last lines a container logged (stdout and stderr), for an error message. */
export async function logTail(container: string, lines = 20): Promise<string> {
  const r = await docker(["logs", "--tail", String(lines), container]);
  return `${r.stdout}${r.stderr}`.trimEnd();
}

/** Remove every container and network carrying `label` (key=value); safe to call twice. */
export async function removeLabelled(label: string): Promise<void> {
  const containers = await docker(["ps", "-aq", "--filter", `label=${label}`]);
  const ids = containers.stdout.split("\n").filter(Boolean);
  if (ids.length > 0) await docker(["rm", "-f", "-v", ...ids]);
  const networks = await docker(["network", "ls", "-q", "--filter", `label=${label}`]);
  const nets = networks.stdout.split("\n").filter(Boolean);
  if (nets.length > 0) await docker(["network", "rm", ...nets]);
}
