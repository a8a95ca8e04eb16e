// Properties docker.Container and docker.Service share: healthcheck tests, entrypoint + command.
import type { Arg, Hardening } from "../model/extraction";
import { bool, isRecord, isUnknown, num, str, strings, type Val } from "../parse/propertyValues";

export const at1 = (p: unknown, key: string): unknown => (isRecord(p) ? p[key] : undefined);

export function checkTests(tests: Val<unknown[]>): Val<"set" | "disabled" | "absent"> {
  if (isUnknown(tests)) return tests;
  if (!tests || tests.length === 0) return "absent";
  return tests[0] === "NONE" ? "disabled" : "set";
}

export function joinArgv(entry: Val<string[]>, command: Val<string[]>): Val<Arg[]> {
  if (isUnknown(entry)) return entry;
  if (isUnknown(command)) return command;
  if (!entry?.length && !command?.length) return undefined;
  return [...(entry ?? []), ...(command ?? [])].map((text) => ({ text, dynamic: false }));
}

/**
 * docker.Container's hardening properties: readOnly, capabilities.drops, securityOpts, cpuShares, user. The
 * provider has no PIDs limit (a `docker update --pids-limit` after creation is not merged into the container).
 */
export function containerHardening(p: unknown): Hardening {
  return {
    readOnlyRoot: bool(p, "readOnly"),
    capDrop: strings(p, "capabilities.drops"),
    securityOpts: strings(p, "securityOpts"),
    pidsLimit: undefined,
    cpuShares: num(p, "cpuShares"),
    user: str(p, "user"),
    settable: new Set(["readOnlyRoot", "capDrop", "securityOpts", "cpuShares", "user"]),
  };
}
