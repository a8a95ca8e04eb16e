// The stack the doctor looks at: its config and plan (as `npm run plan -- --stack` reads them) and its outputs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { isRecord, parseConfig } from "../../infra/config/parse";
import { rawFromEntries } from "../../infra/config/raw";
import type { QueuekitConfig } from "../../infra/config/types";
import { planMemory } from "../../infra/plan/planner";
import type { MemoryPlan } from "../../infra/plan/types";
import { shq } from "../../infra/render/shell";
import type { StackOutputs } from "./expect";

/** Bad input (unknown stack, a stack not deployed, no toolchain): the message names the thing and the fix; exit 2. */
export class DoctorError extends Error {}

/** The repo: dist/scripts/doctor/ → three levels up. */
export const repo = path.resolve(__dirname, "../../..");

export function configAndPlan(stack: string): { config: QueuekitConfig; plan: MemoryPlan; dockerHost?: string } {
  const file = path.join(repo, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new DoctorError(
      `unknown stack "${stack}": no ${file} — give --stack <name> of a deployed stack (source scripts/env.sh && pulumi stack ls)`,
    );
  }
  const doc: unknown = parseYaml(text);
  const raw = isRecord(doc) && isRecord(doc.config) ? rawFromEntries(doc.config) : {};
  const config = parseConfig(raw, repo);
  // The docker provider's own `docker:host` (another engine than the default one): the doctor asks that engine.
  const dockerHost = isRecord(doc) && isRecord(doc.config) ? doc.config["docker:host"] : undefined;
  if (dockerHost !== undefined && typeof dockerHost !== "string")
    throw new DoctorError(
      `docker:host in ${file}: got ${JSON.stringify(dockerHost)} — give the engine's address as a string, e.g. unix:///run/docker.sock`,
    );
  return { config, plan: planMemory(config), ...(dockerHost ? { dockerHost } : {}) };
}

/** `pulumi` through scripts/env.sh (the pinned toolchain, the repo's backend unless PULUMI_BACKEND_URL says otherwise). */
function pulumi(args: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-c", `source scripts/env.sh && pulumi ${args} --non-interactive`], {
    cwd: repo,
    encoding: "utf8",
    timeout: 300_000,
    maxBuffer: 64 * 2 ** 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

const lastLines = (text: string): string =>
  text
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("[toolchain"))
    .slice(-3)
    .join(" / ");

export function stackOutputs(stack: string): StackOutputs {
  const r = pulumi(`stack output --json --show-secrets --stack ${shq(stack)}`);
  if (r.code !== 0) {
    const why = lastLines(r.stderr) || `exit ${r.code}`;
    const fix = /no stack named|not found/i.test(why)
      ? `stack "${stack}" is not in the backend ${process.env.PULUMI_BACKEND_URL ?? "(.pulumi-state of the repo)"}: deploy it with QUEUEKIT_STACK=${stack} npm run up, or set PULUMI_BACKEND_URL to where it lives`
      : "check the passphrase (PULUMI_CONFIG_PASSPHRASE[_FILE]) and the backend (PULUMI_BACKEND_URL)";
    throw new DoctorError(`cannot read the outputs of stack "${stack}": ${why} — ${fix}`);
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(r.stdout);
  } catch {
    throw new DoctorError(`pulumi stack output --json gave no JSON for stack "${stack}": ${lastLines(r.stdout)}`);
  }
  if (!isRecord(outputs) || typeof outputs.redisContainer !== "string")
    throw new DoctorError(
      `stack "${stack}" has no queuekit outputs: it is not deployed — QUEUEKIT_STACK=${stack} npm run up`,
    );
  return {
    memoryPlan: outputs.memoryPlan,
    redisContainer: outputs.redisContainer,
    workerContainers: Array.isArray(outputs.workerContainers)
      ? outputs.workerContainers.filter((n): n is string => typeof n === "string")
      : undefined,
  };
}

/**
 * An ssh stack's sshPrivateKey secret in a file only the user reads, for `ssh -i`; removed by the returned function.
 * Undefined when the stack has none (then ssh uses host.connection.sshOptions, the agent and ~/.ssh/config).
 */
export function sshKeyFile(stack: string): { file: string; remove: () => void } | undefined {
  const r = pulumi(`config get queuekit:sshPrivateKey --stack ${shq(stack)}`);
  if (r.code !== 0 || !r.stdout.trim()) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), "qk-doctor-"));
  const file = path.join(dir, "id");
  writeFileSync(file, r.stdout.endsWith("\n") ? r.stdout : `${r.stdout}\n`, { mode: 0o600 });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
