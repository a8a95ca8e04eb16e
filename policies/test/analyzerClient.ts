// The engine's side of the analyzer protocol, for tests: starts the pack the way `pulumi` 3.219 does
// (the kit's `policy` analyzer plugin, analyzer/pulumi-analyzer-policy, run in the pack directory with
// `<engine> .` and one `-name=value` per runtime option of PulumiPolicy.yaml; port read from stdout), configures it like the engine (every policy's enforcement level and its config with the schema's
// defaults), and sends Analyze / AnalyzeStack requests whose properties are protobuf Structs built from the
// engine's JSON (unknown sentinels, secret and asset signatures).
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import * as grpc from "@grpc/grpc-js";
import * as analyzergrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
// The copies @pulumi/pulumi's generated code uses (the pack has one google-protobuf).
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct, type JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import { asEngine, urnOf, type Fixture } from "./fixtures";
import type { Finding } from "./direct";

const struct = (v: unknown): Struct => Struct.fromJavaScript(v as Record<string, JavaScriptValue>);

export const PACK_DIR = path.resolve(__dirname, "..", "..");
/** The analyzer plugin the kit's Pulumi.yaml names (plugins.analyzers). */
export const ANALYZER_PLUGIN = path.join(PACK_DIR, "analyzer", "pulumi-analyzer-policy");

/** The CLI's arguments for a pack: `<engine> .`, then `-name=value` for each runtime option in PulumiPolicy.yaml. */
export function analyzerArgs(packDir: string, engine = "127.0.0.1:1"): string[] {
  const project = parseYaml(fs.readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8")) as {
    runtime?: string | { options?: Record<string, unknown> };
  };
  const options = typeof project.runtime === "object" ? (project.runtime.options ?? {}) : {};
  return [engine, ".", ...Object.entries(options).map(([k, v]) => `-${k}=${String(v)}`)];
}

const LEVELS: Record<number, Finding["level"]> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };
const LEVEL_CODES: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };

export interface PolicyInfo {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: Finding["level"];
  readonly type: "resource" | "stack";
  readonly configSchema: Record<string, { default?: unknown }>;
  readonly remediation: string;
  readonly framework?: { name: string; version: string; reference: string; specification: string };
  readonly tags: string[];
}

/** A unary call of the generated client, as a promise. */
function unary<Req, Res>(
  fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

export class AnalyzerClient {
  private policies: PolicyInfo[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: analyzergrpc.AnalyzerClient,
    readonly startupMs: number,
  ) {}

  /** Start the pack's analyzer server from its compiled `main`, exactly as the engine's pulumi-analyzer-policy does. */
  static async start(packDir = PACK_DIR): Promise<AnalyzerClient> {
    const started = Date.now();
    const child = spawn(ANALYZER_PLUGIN, analyzerArgs(packDir), {
      cwd: packDir,
      env: { ...process.env, PULUMI_DRY_RUN: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`policy pack exited (${code}) before serving:\n${stderr}`)));
    });
    const client = new analyzergrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 400 * 1024 * 1024,
      "grpc.max_send_message_length": 400 * 1024 * 1024,
    });
    const a = new AnalyzerClient(child, client, Date.now() - started);
    a.policies = await a.info();
    await a.configure({});
    return a;
  }

  /** GetAnalyzerInfo: the policies as the engine sees them. */
  async info(): Promise<PolicyInfo[]> {
    const res = await unary<Empty, analyzerpb.AnalyzerInfo>((r, cb) => this.client.getAnalyzerInfo(r, cb), new Empty());
    return res.getPoliciesList().map((p) => ({
      name: p.getName(),
      description: p.getDescription(),
      enforcementLevel: LEVELS[p.getEnforcementlevel()]!,
      type: p.getPolicyType() === analyzerpb.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
      configSchema: (p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as PolicyInfo["configSchema"],
      remediation: p.getRemediationSteps(),
      framework: frameworkOf(p.getFramework()),
      tags: p.getTagsList(),
    }));
  }

  /**
   * Configure like the engine: every policy gets its enforcement level (given, else its default) and its
   * properties (the schema's defaults overlaid with what is given).
   */
  async configure(config: Record<string, Record<string, unknown> & { enforcementLevel?: string }>): Promise<void> {
    const req = new analyzerpb.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    for (const p of this.policies) {
      const given = config[p.name] ?? {};
      const { enforcementLevel, ...props } = given;
      const defaults = Object.fromEntries(Object.entries(p.configSchema).map(([k, s]) => [k, s.default]));
      const pc = new analyzerpb.PolicyConfig();
      pc.setEnforcementlevel(LEVEL_CODES[enforcementLevel ?? p.enforcementLevel] as analyzerpb.EnforcementLevel);
      pc.setProperties(struct({ ...defaults, ...props }));
      map.set(p.name, pc);
    }
    await unary<analyzerpb.ConfigureAnalyzerRequest, Empty>((r, cb) => this.client.configure(r, cb), req);
  }

  private options(parent?: string): analyzerpb.AnalyzerResourceOptions {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(false);
    o.setIgnorechangesList([]);
    o.setAliasesList([]);
    o.setAdditionalsecretoutputsList([]);
    if (parent) o.setParent(parent);
    return o;
  }

  private provider(f: Fixture): analyzerpb.AnalyzerProviderResource | undefined {
    if (!f.provider) return undefined;
    const p = new analyzerpb.AnalyzerProviderResource();
    p.setType(f.provider.type);
    p.setName(f.provider.name);
    p.setUrn(`urn:pulumi:test::queuekit::${f.provider.type}::${f.provider.name}`);
    p.setProperties(struct(asEngine(f.provider.props)));
    return p;
  }

  private static findings(res: analyzerpb.AnalyzeResponse): Finding[] {
    return res.getDiagnosticsList().map((d) => ({
      policy: d.getPolicyname(),
      message: d.getMessage(),
      level: LEVELS[d.getEnforcementlevel()]!,
      urn: d.getUrn() || undefined,
    }));
  }

  /** Analyze: one resource's inputs, as at registration. */
  async analyze(f: Fixture): Promise<Finding[]> {
    const req = new analyzerpb.AnalyzeRequest();
    req.setType(f.type);
    req.setName(f.name);
    req.setUrn(urnOf(f));
    req.setProperties(struct(asEngine(f.props)));
    req.setOptions(this.options(f.parent));
    const provider = this.provider(f);
    if (provider) req.setProvider(provider);
    return AnalyzerClient.findings(
      await unary<analyzerpb.AnalyzeRequest, analyzerpb.AnalyzeResponse>((r, cb) => this.client.analyze(r, cb), req),
    );
  }

  /** AnalyzeStack: every resource's outputs at the end of the preview. */
  async analyzeStack(fixtures: readonly Fixture[]): Promise<Finding[]> {
    const req = new analyzerpb.AnalyzeStackRequest();
    req.setResourcesList(
      fixtures.map((f) => {
        const r = new analyzerpb.AnalyzerResource();
        r.setType(f.type);
        r.setName(f.name);
        r.setUrn(urnOf(f));
        r.setProperties(struct(asEngine(f.props)));
        r.setOptions(this.options(f.parent));
        if (f.parent) r.setParent(f.parent);
        r.setDependenciesList([]);
        const provider = this.provider(f);
        if (provider) r.setProvider(provider);
        return r;
      }),
    );
    return AnalyzerClient.findings(
      await unary<analyzerpb.AnalyzeStackRequest, analyzerpb.AnalyzeResponse>(
        (r, cb) => this.client.analyzeStack(r, cb),
        req,
      ),
    );
  }

  /** Analyze every fixture, then AnalyzeStack over all of them — what one `pulumi preview` sends. */
  async preview(fixtures: readonly Fixture[]): Promise<Finding[]> {
    const out: Finding[] = [];
    for (const f of fixtures) out.push(...(await this.analyze(f)));
    out.push(...(await this.analyzeStack(fixtures)));
    return out;
  }

  get policyInfos(): readonly PolicyInfo[] {
    return this.policies;
  }

  stop(): void {
    this.client.close();
    this.child.kill();
  }
}

function frameworkOf(f: analyzerpb.PolicyComplianceFramework | undefined): PolicyInfo["framework"] {
  return (
    f && {
      name: f.getName(),
      version: f.getVersion(),
      reference: f.getReference(),
      specification: f.getSpecification(),
    }
  );
}
