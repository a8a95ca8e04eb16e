// The container-hardening advisories (CIS Docker 5.x runtime settings): one setting each, read from every source
// that sets it (model/extraction.ts Hardening), judged the same way whatever the source.
import { resourceRule, reportedUnknown, type RuleInfo } from "./rule";
import { CONTAINER_TYPES, containersOf, where } from "./subjects";
import type { ContainerSpec, Hardening, HardeningKey } from "../model/extraction";
import { isUnknown, type Unknown } from "../parse/propertyValues";

export interface HardeningCheck<K extends HardeningKey> {
  readonly key: K;
  /** What the setting is, for "…: <what>" in messages about values not visible. */
  readonly what: string;
  /** Why `value` falls short, or undefined when it is hardened. */
  readonly problem: (value: Exclude<Hardening[K], Unknown>, c: ContainerSpec) => string | undefined;
}

/** An advisory that reads one hardening setting of every container a resource runs. */
export function hardeningRule<K extends HardeningKey>(
  info: Omit<RuleInfo, "config" | "enforcementLevel">,
  check: HardeningCheck<K>,
) {
  return resourceRule({ ...info, config: {}, enforcementLevel: "advisory" }, CONTAINER_TYPES, async (r, ctx) => {
    for (const c of await containersOf(r)) {
      const h = c.hardening;
      if (!h) continue; // a source that does not start a container with these settings (docker update)
      // Not judged where the source has no way to set it (README, Coverage): advice nobody can follow there.
      if (!h.settable.has(check.key)) continue;
      const value = h[check.key];
      if (isUnknown(value)) {
        reportedUnknown(ctx, value, `${where(c)}: ${check.what}`);
        continue;
      }
      const problem = check.problem(value as Exclude<Hardening[K], Unknown>, c);
      if (problem) ctx.violation(`${where(c)}: ${problem}`);
    }
  });
}

/** A capability name as Docker compares it: upper case, without CAP_. */
export const capName = (cap: string): string => cap.trim().toUpperCase().replace(/^CAP_/, "");
