// Loads only the parts of @pulumi/pulumi a policy pack runs on. @pulumi/policy imports the SDK's whole index,
// which requires at once (1) runtime/closure/codePaths.js, and with it @npmcli/arborist, pacote, sigstore, tar:
// about 1,350 modules, to compute the code paths of a serialized function, and (2) the Automation API (execa,
// got, js-yaml: about 220 more), to drive the CLI — neither of which a policy pack ever does. Together they were
// 70-80% of the pack's start-up (scripts/bench-policies.ts). (3) The closure serializer's `typescript` (a 9 MB
// module, ≈0.3 s of CPU), which the pack's own launcher (lib/startup/runCompiledPack.ts) otherwise never loads.
// Until first used, each is a placeholder that loads the real module then: codePaths' functions (the index copies
// them eagerly), automation and typescript-shim as namespaces.
import Module, { createRequire } from "node:module";
import * as path from "node:path";

/** The SDK modules deferred: with the functions it exports, or (no list) as a namespace object. */
export const DEFERRED: readonly { readonly request: string; readonly functions?: readonly string[] }[] = [
  { request: "@pulumi/pulumi/runtime/closure/codePaths", functions: ["computeCodePaths", "findWorkspaceRoot"] },
  { request: "@pulumi/pulumi/automation" },
  { request: "@pulumi/pulumi/typescript-shim" },
];

/**
 * Puts a placeholder for `request` (resolved as @pulumi/policy resolves the SDK) in the module cache, unless it
 * is loaded already or cannot be found. Returns whether it did.
 */
export function defer(request: string, functions?: readonly string[], from = policyDir()): boolean {
  let file: string;
  try {
    file = require.resolve(request, { paths: [from] });
  } catch {
    return false; // another SDK layout: load everything as usual
  }
  if (require.cache[file]) return false;
  let real: Record<string, unknown> | undefined;
  const load = (): Record<string, unknown> => {
    if (!real) {
      delete require.cache[file];
      real = createRequire(file)(file) as Record<string, unknown>;
    }
    return real;
  };
  const placeholder = new Module(file);
  placeholder.filename = file;
  placeholder.loaded = true;
  placeholder.exports = functions ? functionsOf(functions, load) : namespaceOf(load);
  require.cache[file] = placeholder;
  return true;
}

function functionsOf(names: readonly string[], load: () => Record<string, unknown>): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  Object.defineProperty(exports, "__esModule", { value: true });
  for (const name of names)
    exports[name] = (...args: unknown[]) => (load()[name] as (...a: unknown[]) => unknown)(...args);
  return exports;
}

/** An object that is the real module's exports from its first use on (`__esModule` answered without loading). */
function namespaceOf(load: () => Record<string, unknown>): Record<string, unknown> {
  return new Proxy({} as Record<string, unknown>, {
    get: (_, key) => (key === "__esModule" ? true : Reflect.get(load(), key)),
    has: (_, key) => key === "__esModule" || Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d && { ...d, configurable: true };
    },
  });
}

function policyDir(): string {
  return path.dirname(require.resolve("@pulumi/policy/package.json"));
}

export function deferSdk(): void {
  for (const d of DEFERRED) defer(d.request, d.functions);
}
