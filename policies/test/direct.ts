// Raw-object runs: call a rule's validateResource/validateStack with plain objects, as most policy unit
// tests do. Blind to what the engine's path does to values (pulumi/pulumi-policy#445) — analyzerClient.ts
// runs the same cases through the real server.
import type { ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { asRaw, urnOf, type Fixture } from "./fixtures";

export interface Finding {
  readonly policy: string;
  readonly message: string;
  readonly level: "advisory" | "mandatory" | "remediate" | "disabled";
  readonly urn?: string;
}

type Rule = (ResourceValidationPolicy | StackValidationPolicy) & {
  info: { enforcementLevel: "advisory" | "mandatory" };
};

function reporter(rule: Rule, out: Finding[], level: Finding["level"], urn?: string): ReportViolation {
  // Mirrors @pulumi/policy's makeReportViolationFun, including the object form used to downgrade.
  return ((message: string | { message: string; urn?: string; enforcementLevel?: Finding["level"] }, u?: string) => {
    if (typeof message === "object")
      out.push({
        policy: rule.name,
        message: message.message,
        level: message.enforcementLevel ?? level,
        urn: message.urn ?? urn,
      });
    else out.push({ policy: rule.name, message: `${rule.description}\n${message}`, level, urn: u ?? urn });
  }) as ReportViolation;
}

export async function runDirect(
  rule: Rule,
  fixtures: readonly Fixture[],
  config: Record<string, unknown> = {},
  level?: Finding["level"],
): Promise<Finding[]> {
  const out: Finding[] = [];
  const lvl = level ?? rule.info.enforcementLevel;
  const common = {
    stackTags: new Map<string, string>(),
    getConfig: <T>() => config as T,
    notApplicable: (): never => {
      throw new Error("not applicable");
    },
  };
  if ("validateResource" in rule && rule.validateResource) {
    const validate = Array.isArray(rule.validateResource) ? rule.validateResource : [rule.validateResource];
    for (const f of fixtures) {
      const props = asRaw(f.props) as Record<string, unknown>;
      const args = {
        ...common,
        type: f.type,
        name: f.name,
        urn: urnOf(f),
        props,
        opts: {
          protect: false,
          ignoreChanges: [],
          aliases: [],
          customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
          additionalSecretOutputs: [],
        },
        provider: f.provider && {
          type: f.provider.type,
          name: f.provider.name,
          urn: `urn:pulumi:test::queuekit::${f.provider.type}::${f.provider.name}`,
          props: asRaw(f.provider.props) as Record<string, unknown>,
        },
        isType: () => false,
        asType: () => undefined,
      };
      for (const v of validate) await v(args, reporter(rule, out, lvl, args.urn));
    }
  }
  // A resource rule may have a stack phase too (what one resource reads from another's files): run it after.
  if ("validateStack" in rule && rule.validateStack) {
    const resources = fixtures.map((f) => ({
      type: f.type,
      name: f.name,
      urn: urnOf(f),
      props: asRaw(f.props) as Record<string, unknown>,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      provider: f.provider && {
        type: f.provider.type,
        name: f.provider.name,
        urn: "",
        props: asRaw(f.provider.props) as Record<string, unknown>,
      },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    }));
    await rule.validateStack({ ...common, resources }, reporter(rule, out, lvl));
  }
  return out;
}
