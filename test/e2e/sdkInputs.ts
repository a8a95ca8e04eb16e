// The inputs the installed @pulumi/docker SDK declares: the conformance tests check each one is set somewhere.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { repo } from "./harness";

/** Input names of interface `iface` in the installed @pulumi/docker SDK's declarations (`file`.d.ts). */
export function sdkInputs(file: string, iface: string): string[] {
  const dts = path.join(repo, "node_modules/@pulumi/docker", `${file}.d.ts`);
  const src = ts.createSourceFile(dts, readFileSync(dts, "utf8"), ts.ScriptTarget.Latest);
  const names: string[] = [];
  src.forEachChild((n) => {
    if (ts.isInterfaceDeclaration(n) && n.name.text === iface)
      n.members.forEach((m) => m.name && ts.isIdentifier(m.name) && names.push(m.name.text));
  });
  assert.ok(names.length > 0, `${iface} not found in ${dts}`);
  return names.sort();
}
