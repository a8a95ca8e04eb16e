// The shell parser: mvdan.cc/sh/v3/syntax (the parser behind shfmt) compiled to WebAssembly from toolchain/shparse
// by scripts/build-shparse.sh, run here synchronously through a minimal WASI host. It returns each script's simple
// commands as JSON (shparseTypes below); evaluating their words (variables, field splitting) is shell.ts's job.
import { createHash, randomFillSync } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** One piece of a word: literal text (quotes removed), a parameter ($V, ${V:-W}) or another expansion (X). */
export interface JPart {
  readonly l?: string;
  readonly v?: string;
  readonly o?: string;
  readonly w?: readonly JPart[];
  readonly x?: string;
  /** The commands of a $(…) / `…` / <(…) substitution. */
  readonly c?: readonly JCmd[];
  /** Inside double quotes or an assignment value: not split into fields. */
  readonly q?: boolean;
}

export interface JRedirect {
  readonly o: string;
  readonly n?: number;
  readonly w?: readonly JPart[];
  /** A here-document's body; hq: its delimiter is quoted (the body is as written). */
  readonly h?: readonly JPart[];
  readonly hq?: boolean;
}

export interface JCmd {
  readonly a?: readonly { readonly n: string; readonly v: readonly JPart[] }[];
  readonly w?: readonly (readonly JPart[])[];
  readonly r?: readonly JRedirect[];
  /** Reads the previous command's output (`a | b`). */
  readonly p?: boolean;
  readonly t: string;
  readonly l: number;
  /** A function definition: its name and body's commands (not a command itself). */
  readonly f?: string;
  readonly b?: readonly JCmd[];
}

export interface JScript {
  readonly c: readonly JCmd[];
  readonly e?: readonly string[];
}

/** The Go sources the artifact is built from: their hash is its cache key (same list as scripts/build-shparse.sh). */
export function shparseKey(sourceDir: string): string {
  const files = fs
    .readdirSync(sourceDir)
    .filter((f) => f === "go.mod" || f === "go.sum" || (f.endsWith(".go") && !f.endsWith("_test.go")))
    .sort();
  const hash = createHash("sha256");
  for (const f of files)
    hash
      .update(`${f}\0`)
      .update(fs.readFileSync(path.join(sourceDir, f)))
      .update("\0");
  return hash.digest("hex").slice(0, 16);
}

/** Where the built parser is: $QUEUEKIT_SHPARSE_WASM, the cache entry for the current sources, or the packed pack's copy. */
export function shparseLocation(): { wasm: string; sources?: string } {
  const explicit = process.env["QUEUEKIT_SHPARSE_WASM"];
  if (explicit) return { wasm: explicit };
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const sources = path.join(dir, "toolchain", "shparse");
    if (fs.existsSync(path.join(sources, "go.mod"))) {
      const cache = process.env["QUEUEKIT_CACHE"] || path.join(os.homedir(), ".cache", "queuekit");
      return { wasm: path.join(cache, "shparse", shparseKey(sources), "shparse.wasm"), sources };
    }
    dir = path.dirname(dir);
  }
  // The npm package (no toolchain/ above it): npm pack put the parser built from its sources in dist/.
  const packed = path.resolve(__dirname, "../../shparse.wasm");
  if (fs.existsSync(packed)) return { wasm: packed };
  throw new ShparseMissing(
    "queuekit policy pack: the shell parser's sources (toolchain/shparse) are not found above " +
      `${__dirname}; set QUEUEKIT_SHPARSE_WASM to a shparse.wasm built by scripts/build-shparse.sh`,
  );
}

// The WebAssembly API of Node.js, typed here (the pack compiles against ES2022 without the DOM library).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type WasmModule = object;
type WasmImports = Record<string, (...a: never[]) => number>;
interface WasmApi {
  Module: (new (bytes: Uint8Array) => WasmModule) & {
    imports(m: WasmModule): { module: string; name: string; kind: string }[];
  };
  Instance: new (m: WasmModule, imports: Record<string, WasmImports>) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  readonly memory: WasmMemory;
  readonly _initialize: () => void;
  readonly alloc: (size: number) => number;
  readonly parse: (size: number) => bigint;
}

/** The parser is not built here: the pack cannot read scripts, and says how to build it instead of passing. */
export class ShparseMissing extends Error {}

let instance: Exports | undefined;
let stderr = "";

const ENOSYS = 52;
const EBADF = 8;

/** The few WASI calls Go's runtime makes in a reactor; the rest answer "not supported". No files, no args. */
function wasiImports(module: WasmModule, memory: () => WasmMemory): WasmImports {
  const view = () => new DataView(memory().buffer);
  const own: Record<string, (...a: never[]) => number> = {
    args_sizes_get: (argc: number, size: number) => (
      view().setUint32(argc, 0, true),
      view().setUint32(size, 0, true),
      0
    ),
    args_get: () => 0,
    environ_sizes_get: (n: number, size: number) => (view().setUint32(n, 0, true), view().setUint32(size, 0, true), 0),
    environ_get: () => 0,
    clock_time_get: (id: number, _precision: bigint, out: number) => {
      const ns = id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
      view().setBigUint64(out, ns, true);
      return 0;
    },
    random_get: (buf: number, len: number) => (randomFillSync(new Uint8Array(memory().buffer, buf, len)), 0),
    fd_write: (fd: number, iovs: number, count: number, written: number) => {
      const v = view();
      let total = 0;
      for (let i = 0; i < count; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        if (fd === 2) stderr += Buffer.from(memory().buffer, ptr, len).toString("utf8");
        total += len;
      }
      v.setUint32(written, total, true);
      return 0;
    },
    // Timers fire at once: the parser never sleeps; this only keeps the runtime's scheduler from failing.
    poll_oneoff: (subs: number, events: number, n: number, out: number) => {
      const v = view();
      for (let i = 0; i < n; i++) {
        v.setBigUint64(events + i * 32, v.getBigUint64(subs + i * 48, true), true);
        v.setUint16(events + i * 32 + 8, 0, true);
        v.setUint8(events + i * 32 + 10, v.getUint8(subs + i * 48 + 8));
      }
      v.setUint32(out, n, true);
      return 0;
    },
    sched_yield: () => 0,
    fd_prestat_get: () => EBADF,
    proc_exit: (code: number) => {
      throw new Error(`the shell parser exited with status ${code}: ${stderr.slice(-2000)}`);
    },
  };
  const imports: WasmImports = {};
  for (const imp of wasmApi.Module.imports(module)) {
    if (imp.module === "wasi_snapshot_preview1" && imp.kind === "function")
      imports[imp.name] = own[imp.name] ?? (() => ENOSYS);
  }
  return imports;
}

function load(): Exports {
  const where = shparseLocation();
  if (!fs.existsSync(where.wasm)) {
    throw new ShparseMissing(
      `queuekit policy pack: the shell parser is not built (no ${where.wasm}). ` +
        "Build it with `bash scripts/build-shparse.sh` from the queuekit repository (needs Go ≥ 1.26; " +
        "`npm test` in policies/ and scripts/bootstrap.sh run it), or set QUEUEKIT_SHPARSE_WASM to a built shparse.wasm.",
    );
  }
  const module = new wasmApi.Module(fs.readFileSync(where.wasm));
  const bound: { exports?: Exports } = {};
  const inst = new wasmApi.Instance(module, {
    wasi_snapshot_preview1: wasiImports(module, () => bound.exports!.memory),
  });
  const exports = (bound.exports = inst.exports as unknown as Exports);
  exports._initialize();
  return exports;
}

/**
 * Parsed scripts kept next to the parser (<artifact dir>/results/<sha256 of the script>.json): a preview reads the
 * same scripts as the last one, and a hit costs a file read instead of loading the WebAssembly module (≈0.15 s of
 * CPU) and running its cold code (≈0.4 s for the kit's host scripts). Keyed by the parser's own build, so a
 * changed parser never reads an old result.
 */
let resultsDir: string | undefined | null;

function resultsPath(src: string): string | undefined {
  if (resultsDir === undefined) {
    const where = shparseLocation();
    resultsDir = fs.existsSync(where.wasm) ? path.join(path.dirname(where.wasm), "results") : null;
  }
  if (resultsDir === null) return undefined;
  return path.join(resultsDir, `${createHash("sha256").update(src).digest("hex")}.json`);
}

function cached(file: string | undefined): JScript | undefined {
  if (!file) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as JScript;
  } catch {
    return undefined; // not there (or torn): parse again
  }
}

function keep(file: string | undefined, json: string): void {
  if (!file) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, json);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only cache only costs the next preview the parse.
  }
}

/** The commands of a script as mvdan/sh parses it (bash syntax). Throws ShparseMissing when it is not built. */
export function parseShell(src: string): JScript {
  const file = resultsPath(src);
  const hit = cached(file);
  if (hit) return hit;
  const wasm = (instance ??= load());
  let json: string;
  try {
    const input = Buffer.from(src, "utf8");
    const ptr = wasm.alloc(input.length);
    new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
    const result = wasm.parse(input.length);
    json = Buffer.from(wasm.memory.buffer, Number(result >> 32n), Number(result & 0xffffffffn)).toString("utf8");
  } catch (e) {
    instance = undefined; // a trapped instance is not reused
    throw e;
  }
  const parsed = JSON.parse(json) as JScript;
  keep(file, json);
  return parsed;
}
