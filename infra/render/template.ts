import { readFileSync } from "node:fs";
import * as path from "node:path";

/** templates/ at the repo root, whether running from sources or from dist/. */
export const templatesDir = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? "../../.." : "../..",
  "templates",
);

export function readTemplate(name: string): string {
  return readFileSync(path.join(templatesDir, name), "utf8");
}

/** Fill `{{key}}` placeholders; a missing or unused value is a bug in the caller, so it throws. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`template placeholder {{${key}}} has no value`);
    used.add(key);
    return String(values[key]);
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`template values never used: ${unused.join(", ")}`);
  return out;
}
