// Celery workers found in container argv (directly, via `python -m celery`, or inside `sh -c '…'`) with the
// memory-relevant worker options: pool, concurrency, autoscale, --max-tasks-per-child, --max-memory-per-child.
import { basename, readArgv } from "../parse/commandLine";
import { where, type ContainerSpec, type Extraction } from "./extraction";
import type { Word } from "../parse/shell";
import { isKnown, Unknown, type Val } from "../parse/propertyValues";

export interface CeleryWorker {
  readonly origin: string;
  readonly container?: ContainerSpec;
  /** Container limit in bytes. */
  readonly limit: Val<number>;
  /** "prefork" | "threads" | "gevent" | "eventlet" | "solo" | "processes" (= prefork) | custom; undefined = prefork. */
  readonly pool: Val<string>;
  /** --concurrency; undefined = Celery's default (the host's CPU count). */
  readonly concurrency: Val<number>;
  /** --autoscale MAX,MIN. */
  readonly autoscale: Val<{ max: number; min: number }>;
  readonly maxTasksPerChild: Val<number>;
  /** KiB, resident. */
  readonly maxMemoryPerChildKiB: Val<number>;
  /** The worker command line, for messages. */
  readonly command: string;
}

export const isPrefork = (pool: Val<string>): boolean =>
  pool === undefined || pool === "prefork" || pool === "processes";

export function celeryWorkers(ex: Extraction): CeleryWorker[] {
  const out: CeleryWorker[] = [];
  for (const c of ex.containers) {
    if (!isKnown(c.argv)) continue;
    for (const inv of readArgv(c.argv).invocations) {
      const args = celeryArgs(inv.argv);
      if (!args) continue;
      const w = parseWorker(args);
      if (w)
        out.push({
          ...w,
          origin: where(c),
          container: c,
          limit: c.memory,
          command: inv.argv.map((a) => a.text).join(" "),
        });
    }
  }
  return out;
}

/** Arguments after `celery` (`celery …`, `python -m celery …`), or undefined for another program. */
function celeryArgs(argv: readonly Word[]): readonly Word[] | undefined {
  const prog = basename(argv[0]?.text ?? "");
  if (prog === "celery") return argv.slice(1);
  if (/^python[\d.]*$/.test(prog)) {
    const m = argv.findIndex((w) => w.text === "-m");
    if (m > 0 && argv[m + 1]?.text === "celery") return argv.slice(m + 2);
  }
  return undefined;
}

const GLOBAL_VALUED = new Set([
  "-A",
  "--app",
  "-b",
  "--broker",
  "--result-backend",
  "--loader",
  "--config",
  "--workdir",
]);

type Options = Omit<CeleryWorker, "origin" | "container" | "limit" | "command">;

function parseWorker(args: readonly Word[]): Options | undefined {
  let k = 0;
  while (k < args.length && args[k]!.text.startsWith("-")) k += GLOBAL_VALUED.has(args[k]!.text) ? 2 : 1;
  if (args[k]?.text !== "worker") return undefined;
  const opts = new Map<string, Word>();
  const rest = args.slice(k + 1);
  const LONG: Record<string, string> = {
    "--concurrency": "concurrency",
    "--pool": "pool",
    "--autoscale": "autoscale",
    "--max-tasks-per-child": "maxTasksPerChild",
    "--maxtasksperchild": "maxTasksPerChild",
    "--max-memory-per-child": "maxMemoryPerChild",
    "--maxmemperchild": "maxMemoryPerChild",
  };
  const SHORT: Record<string, string> = { "-c": "concurrency", "-P": "pool" };
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!.text;
    const eq = t.indexOf("=");
    const name = eq > 0 ? t.slice(0, eq) : t;
    const key = LONG[name] ?? (t.length > 2 && SHORT[t.slice(0, 2)] ? undefined : SHORT[name]);
    if (key) {
      const value = eq > 0 ? { text: t.slice(eq + 1), dynamic: rest[i]!.dynamic } : rest[++i];
      if (value) opts.set(key, value);
    } else if (SHORT[t.slice(0, 2)] && t.length > 2 && !t.startsWith("--")) {
      opts.set(SHORT[t.slice(0, 2)]!, { text: t.slice(2), dynamic: rest[i]!.dynamic }); // -c4, -Pgevent
    }
  }
  const int = (key: string, flag: string): Val<number> => {
    const w = opts.get(key);
    if (!w) return undefined;
    if (w.dynamic) return new Unknown(`${flag} ${w.text}`, "comes from the shell environment");
    const n = Number(w.text);
    return Number.isInteger(n) ? n : new Unknown(`${flag} ${w.text}`, "is not a whole number");
  };
  const poolWord = opts.get("pool");
  const auto = opts.get("autoscale");
  let autoscale: Val<{ max: number; min: number }>;
  if (auto?.dynamic) autoscale = new Unknown(`--autoscale ${auto.text}`, "comes from the shell environment");
  else if (auto) {
    const [max, min] = auto.text.split(",").map(Number);
    autoscale = { max: max!, min: min ?? 0 };
  }
  const concurrency = int("concurrency", "--concurrency");
  return {
    pool: poolWord
      ? poolWord.dynamic
        ? new Unknown(`--pool ${poolWord.text}`, "comes from the shell environment")
        : poolWord.text
      : undefined,
    concurrency,
    autoscale,
    maxTasksPerChild: int("maxTasksPerChild", "--max-tasks-per-child"),
    maxMemoryPerChildKiB: int("maxMemoryPerChild", "--max-memory-per-child"),
  };
}
