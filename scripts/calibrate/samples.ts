// The samples file of `npm run calibrate`: which image and app to measure, and which task calls to run.
import { parse as parseYaml } from "yaml";
import { formatValue } from "../../infra/config/errors";

export interface SampleCall {
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly repeat: number;
}

export interface Samples {
  readonly image: string;
  readonly app: string;
  /** Serializer of the rendered celeryconfig: the one the deployed pool will use (message size depends on it). */
  readonly serializer: "json" | "msgpack";
  /** Longest one sample run may take before calibrate gives up on it. */
  readonly timeoutSeconds: number;
  readonly calls: readonly SampleCall[];
}

/** A problem calibrate stops on: the message names the key, the value and the fix. */
export class CalibrateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CalibrateError";
  }
}

interface Issue {
  readonly key: string;
  readonly value: unknown;
  readonly message: string;
}

const TOP_KEYS = ["image", "app", "calls", "serializer", "timeoutSeconds"] as const;
const CALL_KEYS = ["task", "args", "kwargs", "repeat"] as const;
export const MAX_REPEAT = 1000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === "string" && v.trim().length > 0 && v.trim() === v;

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], prefix: string, issues: Issue[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      issues.push({
        key: `${prefix}${key}`,
        value: obj[key],
        message: `unknown key; the keys here are ${allowed.join(", ")} — remove it or fix its spelling`,
      });
  }
}

function parseCall(raw: unknown, i: number, issues: Issue[]): SampleCall | undefined {
  const at = `calls[${i}]`;
  if (!isRecord(raw)) {
    issues.push({
      key: at,
      value: raw,
      message: 'a call is a mapping, e.g. {task: "proj.tasks.resize", kwargs: {size: 3}}',
    });
    return undefined;
  }
  unknownKeys(raw, CALL_KEYS, `${at}.`, issues);
  const before = issues.length;
  const { task, args = [], kwargs = {}, repeat = 1 } = raw;
  if (!isName(task))
    issues.push({
      key: `${at}.task`,
      value: task,
      message: 'the Celery task name, as registered by the app, e.g. task: "proj.tasks.resize"',
    });
  if (!Array.isArray(args))
    issues.push({ key: `${at}.args`, value: args, message: "positional arguments as a list, e.g. args: [2, 3]" });
  if (!isRecord(kwargs))
    issues.push({
      key: `${at}.kwargs`,
      value: kwargs,
      message: "keyword arguments as a mapping, e.g. kwargs: {mib: 1}",
    });
  if (!Number.isInteger(repeat) || (repeat as number) < 1 || (repeat as number) > MAX_REPEAT)
    issues.push({
      key: `${at}.repeat`,
      value: repeat,
      message: `how many times to run the call: a whole number from 1 to ${MAX_REPEAT}, e.g. repeat: 5`,
    });
  if (issues.length > before) return undefined;
  return {
    task: task as string,
    args: args as unknown[],
    kwargs: kwargs as Record<string, unknown>,
    repeat: repeat as number,
  };
}

/** Parse a samples file (YAML or JSON); every problem is reported at once. Throws CalibrateError. */
export function parseSamples(text: string, file: string): Samples {
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML 1.2 is a superset of JSON: one parser for both.
  } catch (error) {
    throw new CalibrateError(`${file} is neither YAML nor JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  if (!isRecord(doc))
    throw new CalibrateError(
      `${file}: got ${formatValue(doc)} — a samples file is a mapping with image, app and calls (see examples/celery-demo/calibrate.yaml)`,
    );
  const issues: Issue[] = [];
  unknownKeys(doc, TOP_KEYS, "", issues);
  const { image, app, calls, serializer = "json", timeoutSeconds = 300 } = doc;
  if (!isName(image))
    issues.push({
      key: "image",
      value: image,
      message: 'the image your pool runs, e.g. image: "ghcr.io/acme/app:1.4"',
    });
  if (!isName(app))
    issues.push({ key: "app", value: app, message: 'the module given to celery -A, e.g. app: "proj.celery"' });
  if (serializer !== "json" && serializer !== "msgpack")
    issues.push({
      key: "serializer",
      value: serializer,
      message: 'the pool\'s serializer: "json" (default) or "msgpack"',
    });
  if (typeof timeoutSeconds !== "number" || !(timeoutSeconds > 0) || timeoutSeconds > 86400)
    issues.push({
      key: "timeoutSeconds",
      value: timeoutSeconds,
      message: "seconds one sample run may take, more than 0 and at most 86400 (default 300)",
    });
  let parsedCalls: SampleCall[] = [];
  if (!Array.isArray(calls) || calls.length === 0)
    issues.push({
      key: "calls",
      value: calls,
      message:
        'a non-empty list of sample calls, e.g. calls: [{task: "proj.tasks.resize", kwargs: {size: 3}, repeat: 5}]',
    });
  else parsedCalls = calls.map((c, i) => parseCall(c, i, issues)).filter((c): c is SampleCall => c !== undefined);
  if (issues.length > 0) {
    const noun = issues.length === 1 ? "problem" : "problems";
    const lines = issues.map(({ key, value, message }) => `${key}: got ${formatValue(value)} — ${message}`);
    throw new CalibrateError([`${file} has ${issues.length} ${noun}:`, ...lines].join("\n  "));
  }
  return {
    image: image as string,
    app: app as string,
    serializer: serializer as "json" | "msgpack",
    timeoutSeconds: timeoutSeconds as number,
    calls: parsedCalls,
  };
}

/** Task names that the app did not register, with the key of the first call naming each. */
export function unknownTasks(samples: Samples, registered: readonly string[]): { key: string; task: string }[] {
  const known = new Set(registered);
  const seen = new Set<string>();
  const out: { key: string; task: string }[] = [];
  samples.calls.forEach((call, i) => {
    if (known.has(call.task) || seen.has(call.task)) return;
    seen.add(call.task);
    out.push({ key: `calls[${i}].task`, task: call.task });
  });
  return out;
}
