// Starts a compiled policy pack without TypeScript. The CLI (3.219) starts a Node.js pack with
// `pulumi-analyzer-policy <engine> . [-<option>=<value>…]` in the pack's directory, and upstream's plugin runs
// @pulumi/pulumi's run-policy-pack, which always loads `typescript` and registers ts-node (≈0.5 s of CPU) even
// when `main` is JavaScript. analyzer/pulumi-analyzer-policy (this project's `policy` plugin, named in the kit's
// Pulumi.yaml) runs this: when PulumiPolicy.yaml sets `typescript: false` it loads the pack's `main`, whose
// PolicyPack serves the analyzer and prints its port, and nothing else; any other pack runs as upstream runs it.
import { createRequire } from "node:module";
import * as path from "node:path";

/** The arguments the CLI passes: the engine's address, the pack's directory, then one flag per runtime option. */
export interface LaunchArgs {
  readonly engine: string;
  readonly packDir: string;
  readonly options: Readonly<Record<string, string>>;
}

export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const [engine, packDir, ...rest] = argv;
  if (!engine || !packDir || engine.startsWith("-") || packDir.startsWith("-"))
    throw new Error(
      `usage: pulumi-analyzer-policy <engine address> <pack directory> [-option=value…]; got ${argv.join(" ")}`,
    );
  const options: Record<string, string> = {};
  for (const flag of rest) {
    const m = /^--?([^=]+)=(.*)$/.exec(flag);
    if (!m) throw new Error(`pulumi-analyzer-policy: option ${JSON.stringify(flag)} is not -name=value`);
    options[m[1]!] = m[2]!;
  }
  return { engine, packDir, options };
}

/** Whether the pack opted out of TypeScript (runtime option `typescript: false` in PulumiPolicy.yaml). */
export function wantsCompiledRun(args: LaunchArgs): boolean {
  return args.options["typescript"] === "false";
}

function fail(e: unknown): never {
  // The CLI shows a plugin's stderr when it exits before serving: the message must say what broke.
  process.stderr.write(`policy pack failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
}

/** Upstream's launcher, from the pack's own @pulumi/pulumi, exactly as its `pulumi-analyzer-policy` script runs it. */
export const UPSTREAM = "./node_modules/@pulumi/pulumi/cmd/run-policy-pack";

function main(): void {
  const args = parseLaunchArgs(process.argv.slice(2));
  if (!wantsCompiledRun(args)) {
    createRequire(path.resolve("package.json"))(UPSTREAM); // reads process.argv itself; cwd is the pack
    return;
  }
  process.setSourceMapsEnabled(true); // stack traces name the .ts lines (the pack compiles with source maps)
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  const packDir = path.resolve(args.packDir);
  process.argv = process.argv.slice(0, 2); // the pack sees no launcher arguments, as under run-policy-pack
  createRequire(path.join(packDir, "package.json"))(packDir);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    fail(e);
  }
}
