// Runs the real Pulumi CLI (from scripts/env.sh) and the real Docker CLI for end-to-end tests.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const repo = path.resolve(__dirname, "../../..");

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Run a shell command in the repo with the pinned toolchain on PATH; never throws. */
export function sh(command: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Result {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", `source scripts/env.sh && ${command}`], {
    cwd: repo,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    code: r.status ?? -1,
    stdout: r.stdout ?? "",
    stderr: (r.stderr ?? "") + (r.error ? String(r.error) : ""),
    seconds,
  };
}

/** Like sh, but a non-zero exit fails with the command's output. */
export function ok(command: string, env: NodeJS.ProcessEnv = {}): Result {
  const r = sh(command, env);
  if (r.code !== 0)
    throw new Error(`\`${command}\` exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

/**
 * A throw-away stack's name, `e2e-<kind>-<pid>`, prefixed with "z" until its sysctl drop-in sorts after every queuekit
 * drop-in on this machine: a stack the user deployed here is then never read after a test's at boot, so a test's own
 * values are never refused as a boot-order conflict with it (the test restores the values it found on destroy).
 */
export function testStackName(kind: string, dropIns = readdirSync("/etc/sysctl.d")): string {
  const dropIn = (stack: string): string => `90-queuekit-${stack}.conf`;
  const others = dropIns.filter((f) => f.startsWith("90-queuekit-") && f.endsWith(".conf"));
  let name = `e2e-${kind}-${process.pid}`;
  while (others.some((f) => f >= dropIn(name))) name = `z${name}`;
  return name;
}

/** Run a test/e2e Python helper (the host's Celery) with a JSON request on stdin; its stdout is JSON. */
export function pythonJson<T>(script: string, request: object, timeoutMs = 300_000): T {
  const r = spawnSync("/usr/bin/python3", [path.join(repo, "test/e2e", script)], {
    input: JSON.stringify(request),
    encoding: "utf8",
    timeout: timeoutMs,
  });
  if (r.status !== 0) throw new Error(`${script} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export function docker(args: string): string {
  return ok(`docker ${args}`).stdout.trim();
}

export function inspect<T = Record<string, unknown>>(container: string): T {
  return (JSON.parse(docker(`inspect ${container}`)) as T[])[0];
}

/** Names of everything a stack left in Docker (containers, networks, volumes labelled with it). */
export function leftovers(stack: string): string[] {
  const filter = `--filter label=queuekit.stack=${stack}`;
  return [
    docker(`ps -a ${filter} --format '{{.Names}}'`),
    docker(`network ls ${filter} --format '{{.Name}}'`),
    docker(`volume ls ${filter} --format '{{.Name}}'`),
  ]
    .join("\n")
    .split("\n")
    .filter((s) => s.length > 0);
}

/**
 * A throw-away stack: its own file backend, a Pulumi.<name>.yaml copied from a template stack file
 * (same passphrase, so its secrets decrypt), removed again by dispose().
 */
export class TestStack {
  readonly env: NodeJS.ProcessEnv;
  private readonly stateDir: string;
  private readonly stackFile: string;

  /** `programDir` (relative to the repo, or absolute): a Pulumi program other than the kit's own, e.g. "examples/vps-host". */
  constructor(
    readonly name: string,
    private readonly template: string,
    patch?: (yaml: string) => string,
    readonly programDir?: string,
  ) {
    this.stateDir = mkdtempSync(path.join(tmpdir(), `qk-${name}-`));
    this.env = { PULUMI_BACKEND_URL: `file://${this.stateDir}` };
    this.stackFile = path.resolve(repo, programDir ?? "", `Pulumi.${name}.yaml`);
    this.template = path.join(repo, template);
    copyFileSync(this.template, this.stackFile);
    if (patch) this.rewrite(patch);
    ok(`pulumi stack init ${name} --non-interactive${this.cwd}`, this.env);
  }

  private get cwd(): string {
    return this.programDir ? ` --cwd ${this.programDir}` : "";
  }

  /** Change the stack's config file (e.g. for a second `up`). */
  rewrite(patch: (yaml: string) => string): void {
    writeFileSync(this.stackFile, patch(readFileSync(this.template, "utf8")));
  }

  pulumi(args: string): Result {
    return sh(`pulumi ${args} --stack ${this.name} --non-interactive${this.cwd}`, this.env);
  }

  /** Resources in the stack's state (the root Stack resource included). */
  resources(): { type: string; urn: string }[] {
    const exported = JSON.parse(ok(`pulumi stack export --stack ${this.name}${this.cwd}`, this.env).stdout) as {
      deployment: { resources?: { type: string; urn: string }[] };
    };
    return exported.deployment.resources ?? [];
  }

  dispose(): void {
    this.pulumi("destroy --yes --skip-preview");
    sh(`pulumi stack rm --yes --force --stack ${this.name}${this.cwd}`, this.env);
    rmSync(this.stackFile, { force: true });
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/**
 * A throw-away copy of the local stack with one demo pool `default` (plus `poolLines`, each "key: value"), its Redis
 * and exporter on their own ports so it runs beside a deployed `npm run up`.
 */
export function demoPoolStack(name: string, port: number, poolLines: readonly string[] = []): TestStack {
  return new TestStack(name, "Pulumi.local.yaml", (yaml) =>
    yaml
      .replace("port: 16379", `port: ${port}`)
      .replace("port: 19121", `port: ${port + 10000}`)
      .concat(demoPoolYaml(poolLines)),
  );
}

/** The `queuekit:workers` block of one pool `default` of the demo app, with `poolLines` added to its keys. */
export function demoPoolYaml(poolLines: readonly string[] = []): string {
  return [
    "  queuekit:workers:",
    "    - name: default",
    "      image: queuekit/celery-demo:local",
    "      app: demo",
    "      queues: [celery]",
    ...poolLines.map((line) => `      ${line}`),
    "",
  ].join("\n");
}

/** Wait until a Celery node answers `inspect stats` (it starts after Redis is healthy); fails after `seconds`. */
export function waitForNode(broker: string, node: string, seconds = 60): void {
  for (let i = 0; i < seconds; i++) {
    const r = spawnSync("/usr/bin/python3", [path.join(repo, "test/e2e/celery_client.py")], {
      input: JSON.stringify({ broker, inspect: node }),
      encoding: "utf8",
    });
    if (r.status === 0 && r.stdout.trim() !== "null") return;
    spawnSync("sleep", ["1"]);
  }
  throw new Error(`celery node ${node} never answered on ${broker.replace(/:[^:@/]*@/, ":***@")}`);
}

/**
 * Everywhere a secret of the stack must never show, read once: the stack's containers' and volumes' inspect, the state
 * export, `upOutput`, the containers' logs and the outputs (--show-secrets). `extra` containers are read too.
 */
export function secretPlaces(
  stack: TestStack,
  upOutput: string,
  extra: readonly string[] = [],
): Record<string, string> {
  const filter = `--filter label=queuekit.stack=${stack.name}`;
  const containers = [...docker(`ps -a ${filter} --format '{{.Names}}'`).split("\n"), ...extra];
  const volumes = docker(`volume ls ${filter} --format '{{.Name}}'`).split("\n");
  return {
    "docker inspect (containers, carriers included)": docker(`inspect ${containers.join(" ")}`),
    "docker volume inspect": docker(`volume inspect ${volumes.join(" ")}`),
    "the state (pulumi stack export)": ok(`pulumi stack export --stack ${stack.name}`, stack.env).stdout,
    "pulumi up's output": upOutput,
    "the containers' logs": containers.map((c) => ok(`docker logs ${c} 2>&1`).stdout).join("\n"),
    "the stack outputs (--show-secrets)": stack.pulumi("stack output --json --show-secrets").stdout,
  };
}
