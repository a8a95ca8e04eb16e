import { z } from "zod";
import { bindProblem } from "./bind";
import { formatSize, parseSize } from "./units";

// Every leaf parses from `unknown` with a message of its own, so each error says what is accepted.

export type Ctx = z.RefinementCtx;

export function issue(ctx: Ctx, message: string, path?: PropertyKey[]): void {
  ctx.addIssue({ code: "custom", message, ...(path && { path }) });
}

// Zod's idiom for a failed transform: record the issue, return a value that is never used.
export function reject(ctx: Ctx, message: string): never {
  issue(ctx, message);
  return z.NEVER;
}

export const quoted = (values: readonly unknown[]): string => values.map((v) => JSON.stringify(v)).join(", ");

export function size(min: number, why = "") {
  return z.unknown().transform((value, ctx) => {
    const parsed = parseSize(value);
    if (!parsed.ok) return reject(ctx, parsed.reason);
    if (parsed.value < min)
      return reject(ctx, `${parsed.value === 0 ? "zero" : "too small"}: at least ${formatSize(min)}${why}`);
    return parsed.value;
  });
}

export function int(min: number, max: number, why = "") {
  return z
    .unknown()
    .transform((value, ctx) =>
      typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
        ? value
        : reject(ctx, `a whole number from ${min} to ${max}${why}`),
    );
}

export function oneOf<const T extends string | number>(
  values: readonly T[],
  refusal: (value: unknown) => string | undefined = () => undefined,
) {
  return z
    .unknown()
    .transform(
      (value, ctx): T =>
        values.some((v) => v === value)
          ? (value as T)
          : reject(ctx, `${refusal(value) ?? "not accepted"}; one of ${quoted(values)}`),
    );
}

export function text(form: string, pattern = /\S/) {
  return z
    .unknown()
    .transform((value, ctx) =>
      typeof value === "string" && pattern.test(value) ? value : reject(ctx, `expected ${form}`),
    );
}

export const bool = () =>
  z.unknown().transform((value, ctx) => (typeof value === "boolean" ? value : reject(ctx, "true or false")));

export function strict<S extends z.core.$ZodLooseShape>(what: string, shape: S) {
  const keys = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key; ${what} accepts: ${keys}`
        : `expected ${what}: an object with keys ${keys}`,
  });
}

export function list<T extends z.ZodType>(item: T, form: string) {
  return z.array(item, { error: `expected a list of ${form}` }).min(1, { error: `at least one ${form}` });
}

// Where a port may be published: "none", loopback, or a private address (never all interfaces, never public).
export const bindAddress = (what: string) =>
  z.unknown().transform((value, ctx) => {
    const problem = bindProblem(value, what);
    return problem === undefined ? (value as string) : reject(ctx, problem);
  });
