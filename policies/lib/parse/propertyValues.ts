// Reading resource properties the way the engine delivers them.
//
// During `pulumi preview` a property that depends on another resource's output is not known yet; the
// engine sends one of the sentinel strings below in its place. @pulumi/policy wraps `args.props` in a
// proxy that *throws* when a rule touches such a value, and turns the throw into an advisory "can't run
// policy during preview" — i.e. a mandatory rule silently stops being mandatory. The pack therefore reads
// the proxy's target and decides about unknown values itself (see `Unknown` and RuleContext.unknown).

/** The engine's "not known during preview" sentinels, one per property type (pulumi/sdk resource/plugin/rpc.go). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // bool
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (also what a computed value of unknown type becomes)
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** A setting the pack needs but cannot see: unknown during preview, or delivered in a form it cannot read. */
export class Unknown {
  /** Unknown only during preview: `pulumi up` sees the value (and analyzes the resource again). */
  readonly preview: boolean;
  /** Why it cannot be seen; the default is the preview case. */
  readonly why: string;
  constructor(
    /** Where the value would have come from, for the message: "memory", "create command", "uploads[0].content". */
    readonly what: string,
    why?: string,
  ) {
    this.preview = why === undefined;
    this.why = why ?? "is not known until the resources it depends on exist (preview)";
  }
  toString(): string {
    return `${this.what} ${this.why}`;
  }
  /** The same unknown, described from where it is used. */
  relabel(what: string): Unknown {
    return new Unknown(what, this.preview ? undefined : this.why);
  }
}

/** A value that is set, not set (undefined), or not visible (Unknown). */
export type Val<T> = T | Unknown | undefined;

export const isUnknown = (v: unknown): v is Unknown => v instanceof Unknown;
export const isSentinel = (v: unknown): boolean => typeof v === "string" && UNKNOWN_SENTINELS.has(v);
export const isKnown = <T>(v: Val<T>): v is T => v !== undefined && !(v instanceof Unknown);

const PROXY_TARGET = "__getSpecialProxyTarget";

/** The plain object behind @pulumi/policy's unknown-checking proxy (or the value itself when not proxied). */
export function unproxy<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    const target = (value as Record<string, unknown>)[PROXY_TARGET];
    if (target !== undefined && target !== null) return target as T;
  }
  return value;
}

export type Plain = Record<string, unknown>;

export const isRecord = (v: unknown): v is Plain => v !== null && typeof v === "object" && !Array.isArray(v);

/** `obj.a.b[0].c` along `path` ("a.b.0.c"); Unknown as soon as a step is a sentinel; undefined when absent. */
export function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const step of path.split(".")) {
    if (isSentinel(cur)) return new Unknown(path);
    if (Array.isArray(cur)) cur = cur[Number(step)];
    else if (isRecord(cur)) cur = cur[step];
    else return undefined;
  }
  return isSentinel(cur) ? new Unknown(path) : cur;
}

export function num(obj: unknown, path: string): Val<number> {
  const v = at(obj, path);
  if (v === undefined || v === null || isUnknown(v)) return v ?? undefined;
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

export function str(obj: unknown, path: string): Val<string> {
  const v = at(obj, path);
  if (v === undefined || v === null || isUnknown(v)) return v ?? undefined;
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

export function bool(obj: unknown, path: string): Val<boolean> {
  const v = at(obj, path);
  if (v === undefined || v === null || isUnknown(v)) return v ?? undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  return undefined;
}

export function list(obj: unknown, path: string): Val<unknown[]> {
  const v = at(obj, path);
  if (v === undefined || v === null || isUnknown(v)) return v ?? undefined;
  return Array.isArray(v) ? v : undefined;
}

/** A list of strings; Unknown if the list or any element is unknown (a partly known argv decides nothing). */
export function strings(obj: unknown, path: string): Val<string[]> {
  const v = list(obj, path);
  if (!isKnown(v)) return v;
  const out: string[] = [];
  for (const [i, e] of v.entries()) {
    if (isSentinel(e)) return new Unknown(`${path}[${i}]`);
    if (e === null || e === undefined) continue;
    out.push(String(e));
  }
  return out;
}

/** A string → string map (logOpts, labels…); Unknown if it or a value is unknown. */
export function stringMap(obj: unknown, path: string): Val<Record<string, string>> {
  const v = at(obj, path);
  if (v === undefined || v === null || isUnknown(v)) return v ?? undefined;
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, e] of Object.entries(v)) {
    if (isSentinel(e)) return new Unknown(`${path}.${k}`);
    if (e !== null && e !== undefined) out[k] = String(e);
  }
  return out;
}
