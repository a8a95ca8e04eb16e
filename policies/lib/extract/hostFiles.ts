// Files that land on a host, with what they imply: compose services (seeing their sibling files), host settings.
import { parseCompose } from "../parse/composeFile";
import { classify, settingsFromFile } from "../model/deliveredFiles";
import type { Extraction, HostFile } from "../model/extraction";
import { isUnknown } from "../parse/propertyValues";
import { fromComposeService } from "./composeService";

/** Record files that land on a host, with what they imply: compose services (seeing their sibling files), host settings. */
export function addHostFiles(ex: Extraction, files: readonly HostFile[]): void {
  ex.files.push(...files);
  for (const f of files) {
    if (isUnknown(f.content)) {
      ex.opaque.push(f.content.relabel(`file ${f.path}`));
      continue;
    }
    const kind = classify(f.path, f.content);
    if (kind === "compose") {
      const compose = parseCompose(f.content);
      ex.problems.push(...compose.problems.map((m) => `${f.path}: ${m}`));
      for (const s of compose.services) ex.containers.push(fromComposeService(s, f, files));
    }
    ex.hostSettings.push(
      ...settingsFromFile({ path: f.path, content: f.content }).map((st) => ({ ...st, host: f.host })),
    );
  }
}
