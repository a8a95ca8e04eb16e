import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { Finding } from "../direct";
import type { Fixture } from "../fixtures";
import type { RuleInfo } from "../../lib/ruleKit/rule";

export type Rule = (ResourceValidationPolicy | StackValidationPolicy) & { readonly info: RuleInfo };

export interface Case {
  readonly name: string;
  readonly fixtures: readonly Fixture[];
  /** This rule's config (merged over its schema defaults). */
  readonly config?: Record<string, unknown>;
  /** One pattern per expected finding of this rule; [] = passes. */
  readonly expect: readonly RegExp[];
  /** Level the findings carry (default: the rule's). */
  readonly level?: Finding["level"];
}

export interface RuleCases {
  readonly rule: Rule;
  readonly cases: readonly Case[];
}

export const pass = (name: string, fixtures: readonly Fixture[], extra: Partial<Case> = {}): Case => ({
  name,
  fixtures,
  expect: [],
  ...extra,
});
export const fail = (
  name: string,
  fixtures: readonly Fixture[],
  expect: RegExp | readonly RegExp[],
  extra: Partial<Case> = {},
): Case => ({
  name,
  fixtures,
  expect: Array.isArray(expect) ? expect : [expect as RegExp],
  ...extra,
});
