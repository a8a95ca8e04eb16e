// A package-lock.json for a program that installs local tarballs (the packed kit and pack): every registry package
// is taken from the repo's own lockfiles, the versions its `npm ci` put in npm's cache, so `npm ci --offline` needs
// neither the registry's tarballs nor its metadata.
import { readFileSync } from "node:fs";

type Deps = Readonly<Record<string, string>>;

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Deps;
  readonly optionalDependencies?: Deps;
  readonly peerDependencies?: Deps;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
  readonly [key: string]: unknown;
}

export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Deps;
  readonly devDependencies?: Deps;
}

/** A dependency of the program installed from a tarball beside it: `file` as its package.json writes it. */
export interface LocalTarball {
  readonly manifest: Manifest;
  readonly file: string;
}

/** Where Node.js looks for `dep` from the package installed at `at` ("" = the program): nearest first. */
function candidates(at: string, dep: string): string[] {
  const chain = at === "" ? [] : at.replace(/^node_modules\//, "").split("/node_modules/");
  return chain
    .map((_, i) => `node_modules/${[...chain.slice(0, chain.length - i), dep].join("/node_modules/")}`)
    .concat(`node_modules/${dep}`);
}

/** The lockfile (v3) of `program`, whose local tarballs depend on registry packages found in `lockfiles`. */
export function lockFor(program: Manifest, tarballs: readonly LocalTarball[], lockfiles: readonly string[]): object {
  const known: Record<string, LockEntry> = {};
  for (const file of lockfiles) {
    const { packages } = JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, LockEntry> };
    for (const [at, entry] of Object.entries(packages)) if (at !== "" && !(at in known)) known[at] = entry;
  }
  const packages: Record<string, object> = {
    "": {
      name: program.name,
      version: program.version,
      dependencies: program.dependencies,
      devDependencies: program.devDependencies,
    },
  };
  const queue: [string, Deps, boolean][] = [["", { ...program.dependencies, ...program.devDependencies }, false]];
  for (const { manifest, file } of tarballs) {
    const at = `node_modules/${manifest.name}`;
    packages[at] = { version: manifest.version, resolved: `file:${file}`, dependencies: manifest.dependencies };
    queue.push([at, manifest.dependencies ?? {}, false]);
  }
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [from, deps, optional] = next;
    for (const dep of Object.keys(deps)) {
      const found = candidates(from, dep).find((at) => at in packages || at in known);
      if (found === undefined) {
        if (optional) continue;
        throw new Error(`${dep} (needed by ${from || program.name}) is in none of ${lockfiles.join(", ")}`);
      }
      if (found in packages) continue;
      // Flags (dev, optional) are npm's to compute for this tree, not the repo's.
      const entry = Object.fromEntries(
        Object.entries(known[found]).filter(([key]) => key !== "dev" && key !== "devOptional"),
      ) as LockEntry;
      packages[found] = entry;
      const peers = Object.fromEntries(
        Object.entries(entry.peerDependencies ?? {}).filter(([name]) => !entry.peerDependenciesMeta?.[name]?.optional),
      );
      queue.push([found, { ...entry.dependencies, ...peers }, false], [found, entry.optionalDependencies ?? {}, true]);
    }
  }
  return { name: program.name, version: program.version, lockfileVersion: 3, requires: true, packages };
}
