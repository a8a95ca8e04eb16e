// What `npm pack` puts in the two tarballs: the compiled library, its types and the templates it reads at run
// time; the compiled pack with its metadata — and nothing of the repo's tests, scripts, sources or toolchain.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";

const repo = path.resolve(__dirname, "../../..");

/** The files `npm pack` would put in the package at `dir`, as it lists them (no scripts run: dist/ is built). */
function packedFiles(dir: string): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: dir, encoding: "utf8" });
  const [{ files }] = JSON.parse(out) as { files: { path: string }[] }[];
  return files.map((f) => f.path).sort();
}

/** Every file under `dir` (relative to `root`), recursively. */
function filesUnder(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

describe("the kit's npm package", () => {
  let files: string[];
  before(() => {
    // The declarations are npm pack's prepack step; build them here as it would.
    execFileSync("npx", ["tsc", "-p", "tsconfig.lib.json"], { cwd: repo, stdio: "inherit" });
    files = packedFiles(repo);
  });

  it("has the public entry with its types, and package.json points at them", () => {
    for (const f of ["package.json", "README.md", "dist/infra/lib.js", "dist/infra/lib.d.ts"])
      assert.ok(files.includes(f), f);
    const manifest = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as Record<string, unknown>;
    assert.equal(manifest["main"], "dist/infra/lib.js");
    assert.equal(manifest["types"], "dist/infra/lib.d.ts");
    assert.equal(manifest["private"], undefined, "publishable");
  });

  it("has every compiled module of infra/ (JS and types) but the repo's own stack program", () => {
    const modules = filesUnder(repo, "infra")
      .filter((f) => f.endsWith(".ts") && f !== path.join("infra", "index.ts"))
      .map((f) => `dist/${f.slice(0, -".ts".length)}`);
    for (const m of modules) {
      assert.ok(files.includes(`${m}.js`), `${m}.js`);
      assert.ok(files.includes(`${m}.d.ts`), `${m}.d.ts`);
    }
    assert.ok(!files.some((f) => f.startsWith("dist/infra/index.")), "dist/infra/index.* is the repo's stack");
  });

  it("has every template the renderers read, beside dist/ where template.ts looks for them", () => {
    for (const t of filesUnder(repo, "templates")) assert.ok(files.includes(t), t);
    assert.ok(files.includes("dist/infra/render/template.js"));
  });

  it("has the shared contract it imports, and nothing else", () => {
    const imported = filesUnder(repo, "infra").flatMap((f) =>
      [...readFileSync(path.join(repo, f), "utf8").matchAll(/policies\/contract\/(\w+)"/g)].map((m) => m[1]),
    );
    assert.ok(imported.length > 0);
    for (const c of imported) assert.ok(files.includes(`dist/policies/contract/${c}.js`), c);
    const outside = files.filter(
      (f) =>
        !/^dist\/infra\/.+\.(js|d\.ts)$/.test(f) &&
        !/^dist\/policies\/contract\/.+\.(js|d\.ts)$/.test(f) &&
        !f.startsWith("templates/") &&
        !["package.json", "README.md"].includes(f),
    );
    assert.deepEqual(outside, []);
    assert.ok(!files.some((f) => /\.(ts|map)$/.test(f) && !f.endsWith(".d.ts")), "no sources or source maps");
  });
});

describe("the policy pack's npm package", () => {
  let files: string[];
  before(() => {
    files = packedFiles(path.join(repo, "policies"));
  });

  it("has what `pulumi preview --policy-pack` runs: PulumiPolicy.yaml, package.json and the compiled pack", () => {
    for (const f of ["PulumiPolicy.yaml", "package.json", "README.md", "dist/index.js", "dist/rules/index.js"])
      assert.ok(files.includes(f), f);
    assert.ok(files.includes("dist/contract/index.js"), "the contract ships inside the pack");
    const manifest = JSON.parse(readFileSync(path.join(repo, "policies/package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    assert.equal(manifest["main"], "dist/index.js");
    assert.deepEqual(manifest["engines"], { node: "^20 || ^22 || ^24" });
    assert.equal(manifest["private"], undefined, "publishable");
  });

  it("has no tests, sources, CI files or source maps", () => {
    const stray = files.filter(
      (f) => f.startsWith("dist/test/") || f.startsWith("ci/") || f.startsWith("test/") || /\.(ts|map)$/.test(f),
    );
    assert.deepEqual(stray, []);
    const outside = files.filter(
      (f) =>
        !/^dist\/(index|(contract|lib|rules)\/.+)\.js$/.test(f) &&
        !["PulumiPolicy.yaml", "package.json", "README.md", "dist/shparse.wasm"].includes(f),
    );
    assert.deepEqual(outside, []);
  });
});
