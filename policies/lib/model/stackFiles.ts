// The files the whole stack puts on each host, by host and path. A redis.conf copied by one resource and
// bind-mounted into a container another resource starts is one file on one host: rules read them together.
// Per-resource analysis (Analyze) sees one resource; what depends on another resource's file is left to the
// same rule's stack phase (AnalyzeStack), which sees them all — see ruleKit/rule.ts.
import { extract, fingerprint, READS_FILES } from "../extract/extract";
import { composeContainers, refersTo } from "../extract/hostFiles";
import { TYPES, type ResourceView } from "../extract/resource";
import { vpsHost, vpsHostSummary } from "../extract/kitComponents";
import { classify } from "./deliveredFiles";
import { redisInstances } from "./redisServers";
import { emptyExtraction, type ComposeRef, type ContainerSpec, type Extraction, type HostFile } from "./extraction";
import { at, isKnown, unproxy, type Val } from "../parse/propertyValues";

let lastStack: { key: string; stack: Promise<StackFiles> } | undefined;

export class StackFiles {
  private constructor(
    private readonly files: ReadonlyMap<string, readonly HostFile[]>,
    private readonly refs: ReadonlyMap<string, readonly ComposeRef[]>,
    private readonly mounts: ReadonlyMap<string, readonly string[]>,
    private readonly extractions: ReadonlyMap<string, Extraction>,
  ) {}

  /**
   * Every file, `docker compose -f` reference and bind-mount source of `resources`, by host. Each rule's stack
   * phase asks for the same stack: it is indexed once per content.
   */
  static async of(resources: readonly ResourceView[]): Promise<StackFiles> {
    // Only commands, copies and VpsHosts put files on hosts or run compose files (a VpsHost counts with the
    // summary it stands for: its outputs, or the inputs seen earlier in the run).
    // A docker.Container counts with its volumes only (its bind mounts and named volumes); it is cheap to read
    // again. One never started also counts with its uploads: the files it puts into its named volumes.
    const indexed = resources.filter(
      (r) => READS_FILES.has(r.type) || r.type === TYPES.vpsHost || r.type === TYPES.container,
    );
    const keyed = indexed.map((r) =>
      r.type === TYPES.vpsHost
        ? { ...r, props: vpsHostSummary(r.urn, r.props) }
        : r.type === TYPES.container
          ? { ...r, props: containerKey(r.props) }
          : r,
    );
    const key = (await Promise.all(keyed.map(fingerprint))).join(",");
    if (lastStack?.key !== key) lastStack = { key, stack: StackFiles.index(indexed) };
    return lastStack.stack;
  }

  private static async index(resources: readonly ResourceView[]): Promise<StackFiles> {
    const files = new Map<string, HostFile[]>();
    const refs = new Map<string, ComposeRef[]>();
    const mounts = new Map<string, string[]>();
    const extractions = new Map<string, Extraction>();
    const add = <T>(m: Map<string, T[]>, host: Val<string>, item: T): void => {
      if (!isKnown(host)) return;
      m.set(host, [...(m.get(host) ?? []), item]);
    };
    for (const r of resources) {
      if (r.type === TYPES.vpsHost) {
        for (const f of vpsHost(vpsHostSummary(r.urn, r.props)).files) add(files, f.host, f);
        continue;
      }
      const ex = await extract(r);
      // A container's extraction is not kept: the index is keyed by its volumes only (see `of`).
      if (r.type !== TYPES.container) extractions.set(r.urn, ex);
      for (const f of ex.files) add(files, f.host, f);
      for (const ref of ex.composeRefs) add(refs, ref.host, ref);
      for (const c of ex.containers) for (const b of c.binds ?? []) add(mounts, c.host, b.source);
    }
    return new StackFiles(files, refs, mounts, extractions);
  }

  /** `r`'s extraction, as read when the stack was indexed. */
  async extraction(r: ResourceView): Promise<Extraction> {
    return this.extractions.get(r.urn) ?? extract(r);
  }

  /** The file the stack delivers at `path` on `host`, if any. */
  file(host: Val<string>, path: string): HostFile | undefined {
    return isKnown(host) ? this.files.get(host)?.find((f) => f.path === path) : undefined;
  }

  /** Whether a command of the stack runs `docker compose -f` on this file. */
  isComposeRef(host: Val<string>, path: string): boolean {
    return isKnown(host) && (this.refs.get(host) ?? []).some((r) => refersTo(r.path, path));
  }

  /** Whether a container of the stack bind-mounts this host path (or a directory holding it). */
  isMounted(host: Val<string>, path: string): boolean {
    return isKnown(host) && (this.mounts.get(host) ?? []).some((m) => m === path || path.startsWith(m + "/"));
  }

  /** Whether `r` brings anything only the stack phase decides (so a rule's stack phase looks at it). */
  async needsStackPhase(r: ResourceView): Promise<boolean> {
    // A docker.Container reads other resources' files only through a volume: a hostPath, or a named volume a
    // never-started container's uploads fill.
    const volumes =
      r.type === TYPES.container && this.files.size > 0 && JSON.stringify(at(unproxy(r.props), "volumes") ?? []);
    const binds = typeof volumes === "string" && (volumes.includes("hostPath") || volumes.includes("volumeName"));
    const ex = this.extractions.get(r.urn) ?? (binds ? await extract(r) : undefined);
    if (!ex) return false;
    let needs = this.needs.get(ex);
    if (needs === undefined) {
      needs =
        this.composeByReference(ex).containers.length > 0 || redisInstances(ex).some((i) => i.acrossResources === true);
      this.needs.set(ex, needs);
    }
    return needs;
  }

  private readonly needs = new WeakMap<Extraction, boolean>();
  private readonly byReference = new WeakMap<Extraction, { containers: ContainerSpec[]; problems: string[] }>();

  /** Compose services of `ex`'s files that are compose files only because another resource runs them with -f. */
  composeByReference(ex: Extraction): { containers: ContainerSpec[]; problems: string[] } {
    if (ex.files.length === 0 || this.refs.size === 0) return { containers: [], problems: [] };
    const known = this.byReference.get(ex);
    if (known) return known;
    const containers: ContainerSpec[] = [];
    const problems: string[] = [];
    this.byReference.set(ex, { containers, problems });
    for (const f of ex.files) {
      if (typeof f.content !== "string") continue;
      if (classify(f.path, f.content) === "compose" || ex.composeRefs.some((r) => refersTo(r.path, f.path))) continue;
      if (!this.isComposeRef(f.host, f.path)) continue;
      containers.push(...composeContainers({ ...f, content: f.content }, ex.files, problems));
    }
    return { containers, problems };
  }
}

/** What of a docker.Container the stack's files depend on: its volumes, and a never-started one's uploads. */
function containerKey(props: unknown): Record<string, unknown> {
  const p = unproxy(props);
  const volumes = at(p, "volumes");
  return at(p, "start") === false ? { volumes, start: false, uploads: at(p, "uploads") } : { volumes };
}

/**
 * What a rule sees of `r` in its phase. Resource phase (no `r.stack`): the resource's own extraction. Stack
 * phase: only what needs the rest of the stack — compose files run by another resource's `docker compose -f`.
 * (Redis servers whose config lies in another resource's file: see kitComponents.redisServersOf.)
 */
export async function scopedExtraction(r: ResourceView): Promise<Extraction> {
  if (!r.stack) return extract(r);
  const ex = await r.stack.extraction(r);
  const extra = r.stack.composeByReference(ex);
  return { ...emptyExtraction(), containers: extra.containers, problems: extra.problems };
}
