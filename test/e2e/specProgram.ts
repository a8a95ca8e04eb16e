// A throw-away Pulumi program (plain JS, the repo's node_modules, its own file backend) whose docker resources come
// from a JSON spec, so a test can `up` a spec, change it and `up` again. In the spec, {"$ref": "name.output"} is
// another resource's output and {"$secret": value} a Pulumi secret.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ok, repo, sh, type Result } from "./harness";

export type Json = Record<string, unknown>;

export interface Spec {
  /** docker.Provider arguments; the resources use this provider when given. */
  readonly provider?: Json;
  /** Created in order: a resource may $ref only those before it. */
  readonly resources: readonly { kind: string; name: string; args: Json }[];
}

const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const docker = require("@pulumi/docker");
const spec = JSON.parse(require("fs").readFileSync(process.env.QK_SPEC, "utf8"));
const made = {};
const resolve = (v) => {
  if (Array.isArray(v)) return v.map(resolve);
  if (v === null || typeof v !== "object") return v;
  if ("$ref" in v) {
    const [name, output] = v.$ref.split(".");
    return made[name][output];
  }
  if ("$secret" in v) return pulumi.secret(resolve(v.$secret));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
};
const provider = spec.provider ? new docker.Provider("p", resolve(spec.provider)) : undefined;
for (const r of spec.resources) made[r.name] = new docker[r.kind](r.name, resolve(r.args), { provider });
exports.ids = Object.fromEntries(Object.entries(made).map(([n, r]) => [n, r.id]));
`;

export class SpecProgram {
  readonly dir = mkdtempSync(path.join(tmpdir(), "qk-spec-"));
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly stack: string,
    extraEnv: NodeJS.ProcessEnv = {},
  ) {
    this.env = {
      ...extraEnv,
      PULUMI_BACKEND_URL: `file://${this.dir}/state`,
      QK_SPEC: path.join(this.dir, "spec.json"),
    };
    mkdirSync(path.join(this.dir, "state"));
    symlinkSync(path.join(repo, "node_modules"), path.join(this.dir, "node_modules"));
    writeFileSync(path.join(this.dir, "Pulumi.yaml"), "name: qk-spec\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(path.join(this.dir, "index.js"), PROGRAM);
    ok(`pulumi stack init ${stack} --non-interactive --cwd ${this.dir}`, this.env);
  }

  /** `pulumi <args>` on this stack, with `spec` written first when given. */
  pulumi(args: string, spec?: Spec): Result {
    if (spec) writeFileSync(this.env.QK_SPEC as string, JSON.stringify(spec));
    return sh(`pulumi ${args} --stack ${this.stack} --non-interactive --cwd ${this.dir}`, this.env);
  }

  /** Like pulumi(), but a non-zero exit fails with the CLI's output. */
  must(args: string, spec?: Spec): Result {
    const r = this.pulumi(args, spec);
    if (r.code !== 0)
      throw new Error(`pulumi ${args} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    return r;
  }

  /** Resources' inputs and outputs as the state records them, by resource name. */
  state(): Record<string, { inputs: Json; outputs: Json }> {
    const exported = JSON.parse(this.must("stack export --show-secrets").stdout) as {
      deployment: { resources?: { urn: string; inputs?: Json; outputs?: Json }[] };
    };
    return Object.fromEntries(
      (exported.deployment.resources ?? []).map((r) => [
        r.urn.split("::").pop() as string,
        { inputs: r.inputs ?? {}, outputs: r.outputs ?? {} },
      ]),
    );
  }

  /** The raw state file text: a secret must not appear in it in clear. */
  rawState(): string {
    return this.must("stack export").stdout;
  }

  dispose(): Result {
    const destroyed = this.pulumi("destroy --yes --skip-preview");
    sh(`pulumi stack rm --yes --force --stack ${this.stack} --cwd ${this.dir}`, this.env);
    rmSync(this.dir, { recursive: true, force: true });
    return destroyed;
  }
}
