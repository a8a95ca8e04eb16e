import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * sha256 of a build context: every file's path, mode bit and content, in a stable order. It may count files a
 * .dockerignore leaves out — one rebuild too many, never one too few.
 */
export function contextDigest(dir: string): string {
  const hash = createHash("sha256");
  const walk = (rel: string): void => {
    const entries = readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const name = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile()) {
        const content = readFileSync(path.join(dir, name));
        hash.update(`${name}\0${content.length}\0`).update(content);
      }
    }
  };
  walk("");
  return hash.digest("hex");
}
