// The engine's side of the analyzer protocol, for tests: starts the pack the way `pulumi` does
// (`node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` in the pack directory, port read from
// stdout), configures it like the engine (every policy's enforcement level and its config with the schema's
// defaults), and sends Analyze / AnalyzeStack requests whose properties are protobuf Structs built from the
// engine's JSON (unknown sentinels, secret and asset signatures).
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { asEngine, urnOf, type Fixture } from "./fixtures";
import type { Finding } from "./direct";

/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerpb = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzergrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const structpb = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [path.dirname(require.resolve("@pulumi/pulumi/proto/analyzer_pb"))] }));
const emptypb = require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [path.dirname(require.resolve("@pulumi/pulumi/proto/analyzer_pb"))] }));

export const PACK_DIR = path.resolve(__dirname, "..", "..");

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

type Call = (req: unknown, cb: (err: grpc.ServiceError | null, res: any) => void) => void;

export class AnalyzerClient {
  private policies: PolicyInfo[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: grpc.Client & Record<string, Call>,
    readonly startupMs: number,
  ) {}

  /** Start the pack's analyzer server from its compiled `main`, exactly as the engine's pulumi-analyzer-policy does. */
  static async start(packDir = PACK_DIR): Promise<AnalyzerClient> {
    const started = Date.now();
    const child = spawn(process.execPath, ["./node_modules/@pulumi/pulumi/cmd/run-policy-pack", "127.0.0.1:1", "."], {
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

  private call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => this.client[method]!.call(this.client, req, (err, res) => (err ? reject(err) : resolve(res))));
  }

  /** GetAnalyzerInfo: the policies as the engine sees them. */
  async info(): Promise<PolicyInfo[]> {
    const res = await this.call<any>("getAnalyzerInfo", new emptypb.Empty());
    return res.getPoliciesList().map((p: any) => ({
      name: p.getName(),
      description: p.getDescription(),
      enforcementLevel: LEVELS[p.getEnforcementlevel()]!,
      type: p.getPolicyType() === analyzerpb.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
      configSchema: p.getConfigschema()?.getProperties()?.toJavaScript() ?? {},
      remediation: p.getRemediationSteps(),
      framework: p.getFramework() && {
        name: p.getFramework().getName(),
        version: p.getFramework().getVersion(),
        reference: p.getFramework().getReference(),
        specification: p.getFramework().getSpecification(),
      },
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
      pc.setEnforcementlevel(LEVEL_CODES[enforcementLevel ?? p.enforcementLevel]);
      pc.setProperties(structpb.Struct.fromJavaScript({ ...defaults, ...props }));
      map.set(p.name, pc);
    }
    await this.call("configure", req);
  }

  private options(parent?: string): any {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(false);
    o.setIgnorechangesList([]);
    o.setAliasesList([]);
    o.setAdditionalsecretoutputsList([]);
    if (parent) o.setParent(parent);
    return o;
  }

  private provider(f: Fixture): any {
    if (!f.provider) return undefined;
    const p = new analyzerpb.AnalyzerProviderResource();
    p.setType(f.provider.type);
    p.setName(f.provider.name);
    p.setUrn(`urn:pulumi:test::queuekit::${f.provider.type}::${f.provider.name}`);
    p.setProperties(structpb.Struct.fromJavaScript(asEngine(f.provider.props)));
    return p;
  }

  private static findings(res: any): Finding[] {
    return res.getDiagnosticsList().map((d: any) => ({
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
    req.setProperties(structpb.Struct.fromJavaScript(asEngine(f.props)));
    req.setOptions(this.options(f.parent));
    const provider = this.provider(f);
    if (provider) req.setProvider(provider);
    return AnalyzerClient.findings(await this.call("analyze", req));
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
        r.setProperties(structpb.Struct.fromJavaScript(asEngine(f.props)));
        r.setOptions(this.options(f.parent));
        if (f.parent) r.setParent(f.parent);
        r.setDependenciesList([]);
        const provider = this.provider(f);
        if (provider) r.setProvider(provider);
        return r;
      }),
    );
    return AnalyzerClient.findings(await this.call("analyzeStack", req));
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
