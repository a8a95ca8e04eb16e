// How a rule module declares itself: metadata in a fixed order, a config schema whose defaults the rule also
// applies itself (unit tests and engines that do not fill them), and a check that reports through a context
// which knows how this rule treats values it cannot see.
import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { ResourceView } from "../extract/resource";
import { rememberComponentInputs } from "../extract/kitComponents";
import { isUnknown, Unknown } from "../parse/propertyValues";
import { StackFiles } from "../model/stackFiles";

type JsonSchema = PolicyConfigSchema["properties"][string];

/** A reference to a public benchmark control. */
export interface Reference {
  readonly id: string;
  readonly title: string;
}

export interface RuleInfo {
  /** Stable kebab-case name: the pack's public interface (CI configs and `--policy-pack-config` use it). */
  readonly name: string;
  readonly description: string;
  /** Rule settings; every property has a `default`. `onUnknown` and `strict` are added to every rule. */
  readonly config: Readonly<Record<string, JsonSchema & { default: unknown }>>;
  /** mandatory: loses data or takes the host down; advisory: hygiene. */
  readonly enforcementLevel: "mandatory" | "advisory";
  readonly severity: Severity;
  readonly remediation: string;
  /** CIS Docker Benchmark v1.6.0 control. */
  readonly cis?: Reference;
  /** KICS query (Checkmarx). */
  readonly kics?: Reference;
}

/**
 * What a rule does when a value that decides it is not visible (unknown during preview, or delivered in a form
 * the pack cannot read): "fail" reports it at the rule's level, "warn" reports it as advisory, "ignore" passes.
 */
export type OnUnknown = "fail" | "warn" | "ignore";

/** The settings the rule kit adds to every rule. */
export interface CommonConfig {
  readonly onUnknown: OnUnknown;
  /** What the pack cannot read is reported as mandatory (CI); `onUnknown: ignore` still drops it. */
  readonly strict: boolean;
}

export interface Context<C> {
  readonly config: C & CommonConfig;
  /** Report a violation (on the resource being checked, or on `urn` in a stack rule). */
  violation(message: string, urn?: string): void;
  /**
   * Report something the pack could not read, which the message names exactly: at `level` ("rule": the rule's
   * own level; "advisory" whatever it is), or mandatory under `strict`.
   */
  notRead(message: string, urn?: string, level?: "rule" | "advisory"): void;
  /** Report that `value` — which decides this rule — is not visible; what happens follows `onUnknown` and `strict`. */
  unknown(value: Unknown, message: string, urn?: string): void;
}

const ON_UNKNOWN: JsonSchema & { default: OnUnknown } = {
  type: "string",
  enum: ["fail", "warn", "ignore"],
  default: "fail",
  description:
    "When a value that decides this rule is unknown during preview or not readable: fail (report at this rule's level), warn (advisory), ignore.",
};

/** `strict`'s default: false, or true for every rule when the pack runs with QUEUEKIT_POLICY_STRICT=1 (CI). */
const strictByDefault = (): boolean => process.env["QUEUEKIT_POLICY_STRICT"] === "1";

const STRICT = (): JsonSchema & { default: boolean } => ({
  type: "boolean",
  default: strictByDefault(),
  description:
    "Report what the pack cannot read (unknown values, unreadable sources, hosts prepared outside the stack) as mandatory: for CI. Default true when the pack runs with QUEUEKIT_POLICY_STRICT=1.",
});

const CIS_FRAMEWORK = { name: "CIS Docker Benchmark", version: "1.6.0" } as const;

function configOf<C>(info: RuleInfo, given: object): C & CommonConfig {
  const defaults: Record<string, unknown> = { onUnknown: ON_UNKNOWN.default, strict: strictByDefault() };
  for (const [k, schema] of Object.entries(info.config)) defaults[k] = schema.default;
  return { ...defaults, ...given } as C & CommonConfig;
}

/** @pulumi/policy's server (1.21) accepts an object and uses its enforcementLevel; the type only declares strings. */
type LevelledReport = (v: { message: string; urn?: string; enforcementLevel: "advisory" | "mandatory" }) => void;

function context<C>(info: RuleInfo, given: object, report: ReportViolation): Context<C> {
  const config = configOf<C>(info, given);
  const at = (level: "advisory" | "mandatory", message: string, urn?: string): void =>
    (report as unknown as LevelledReport)({ message: `${info.description}\n${message}`, urn, enforcementLevel: level });
  const notRead = (message: string, urn?: string, level: "rule" | "advisory" = "rule"): void => {
    if (config.strict) at("mandatory", `${message} (strict: what the pack cannot read is refused)`, urn);
    else if (level === "advisory") at("advisory", message, urn);
    else report(message, urn);
  };
  return {
    config,
    violation: (message, urn) => report(message, urn),
    notRead,
    unknown: (value, message, urn) => {
      if (config.onUnknown === "ignore") return;
      const text = value.preview
        ? `${message}: ${value.toString()}. The pack cannot prove this rule holds now; \`pulumi up\` checks it again once the value is known. Make the value known at preview, or set onUnknown for ${info.name}.`
        : `${message}: ${value.toString()}. The pack cannot prove this rule holds (set onUnknown for ${info.name} to accept this).`;
      notRead(text, urn, config.onUnknown === "warn" ? "advisory" : "rule");
    },
  };
}

function metadata(info: RuleInfo) {
  return {
    severity: info.severity,
    ...(info.cis && { framework: { ...CIS_FRAMEWORK, reference: info.cis.id, specification: info.cis.title } }),
    tags: [
      "queuekit",
      ...(info.kics ? [`kics:${info.kics.id}`] : []),
      ...(info.cis ? [`cis-docker:${info.cis.id}`] : []),
    ],
    remediationSteps: info.remediation,
  };
}

function schemaOf(info: RuleInfo): PolicyConfigSchema {
  return { properties: { ...info.config, onUnknown: ON_UNKNOWN, strict: STRICT() } };
}

/** What every policy object of a rule starts with: its name, description, config schema and enforcement level. */
const policyOf = (info: RuleInfo) => ({
  name: info.name,
  description: info.description,
  configSchema: schemaOf(info),
  enforcementLevel: info.enforcementLevel,
});

/**
 * A rule checked on each resource as it is registered (Analyze), with its inputs — and, unless
 * `acrossResources` is false, once more at the end (AnalyzeStack) for what a resource reads from others' files
 * (a redis.conf another resource copies to the host, a compose file another resource runs with -f). In that
 * stack phase `check` sees each such resource with `r.stack` set, and the subject helpers (containersOf,
 * redisServersOf…) return only what the resource phase left to it, so nothing is reported twice.
 */
export function resourceRule<C = Record<string, never>>(
  info: RuleInfo,
  /** Resource types this rule reads; others are skipped without work. */
  types: readonly string[],
  check: (r: ResourceView, ctx: Context<C>) => Promise<void> | void,
  options: { readonly acrossResources?: boolean } = {},
): ResourceValidationPolicy & StackValidationPolicy & { readonly info: RuleInfo } {
  const applies = new Set(types);
  const validateStack = async (args: StackValidationArgs, report: ReportViolation): Promise<void> => {
    const resources = args.resources.map(viewOf);
    if (!resources.some((r) => applies.has(r.type))) return;
    const given = args.getConfig();
    const stack = await StackFiles.of(resources);
    for (const r of resources) {
      if (!applies.has(r.type) || !(await stack.needsStackPhase(r))) continue;
      // Reports land on the resource being checked, as in the resource phase.
      const onResource: ReportViolation = ((v: string | { urn?: string }, urn?: string) =>
        typeof v === "string"
          ? report(v, urn ?? r.urn)
          : (report as unknown as (o: object) => void)({ ...v, urn: v.urn ?? r.urn })) as ReportViolation;
      const ctx = context<C>(info, given, onResource);
      await guarded(ctx, () => check({ ...r, stack }, ctx));
    }
  };
  return {
    ...policyOf(info),
    validateResource: async (args: ResourceValidationArgs, report: ReportViolation) => {
      rememberComponentInputs(args.type, args.urn, args.props);
      if (!applies.has(args.type)) return;
      const ctx = context<C>(info, args.getConfig(), report);
      await guarded(ctx, () =>
        check({ type: args.type, name: args.name, urn: args.urn, props: args.props, provider: args.provider }, ctx),
      );
    },
    ...(options.acrossResources !== false && { validateStack }),
    ...metadata(info),
    info,
  } as ResourceValidationPolicy & StackValidationPolicy & { readonly info: RuleInfo };
}

const viewOf = (r: StackValidationArgs["resources"][number]): ResourceView => ({
  type: r.type,
  name: r.name,
  urn: r.urn,
  props: r.props,
  provider: r.provider,
});

/** A rule checked once over the whole stack (AnalyzeStack), with every resource's outputs. */
export function stackRule<C = Record<string, never>>(
  info: RuleInfo,
  check: (resources: readonly ResourceView[], ctx: Context<C>) => Promise<void> | void,
): StackValidationPolicy & { readonly info: RuleInfo } {
  return {
    ...policyOf(info),
    validateStack: async (args: StackValidationArgs, report: ReportViolation) => {
      const ctx = context<C>(info, args.getConfig(), report);
      const resources = args.resources.map(viewOf);
      await guarded(ctx, () => check(resources, ctx));
    },
    ...metadata(info),
    info,
  };
}

/**
 * A rule that fails on input it did not expect reports that, at its own level, instead of failing the whole
 * preview with a stack trace — and instead of passing.
 */
async function guarded<C>(ctx: Context<C>, run: () => Promise<void> | void): Promise<void> {
  try {
    await run();
  } catch (e) {
    ctx.violation(
      `the rule could not evaluate this resource (${e instanceof Error ? e.message : String(e)}); please report it.`,
    );
  }
}

/** `ctx.unknown` when `v` is Unknown; returns whether it was. */
export function reportedUnknown<C>(ctx: Context<C>, v: unknown, message: string, urn?: string): v is Unknown {
  if (!isUnknown(v)) return false;
  ctx.unknown(v, message, urn);
  return true;
}
