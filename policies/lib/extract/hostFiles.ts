// Files that land on a host, with what they imply: compose services (seeing their sibling files), host settings.
import { parseCompose } from "../parse/composeFile";
import { classify, settingsFromFile } from "../model/deliveredFiles";
import type { ComposeRef, ContainerSpec, Extraction, HostFile } from "../model/extraction";
import { isUnknown } from "../parse/propertyValues";
import { fromComposeService } from "./composeService";

/** Record files that land on a host, with what they imply: compose services (seeing their sibling files), host settings. */
export function addHostFiles(
  ex: Extraction,
  files: readonly HostFile[],
  composeRefs: readonly ComposeRef[] = [],
): void {
  ex.files.push(...files);
  for (const f of files) {
    if (isUnknown(f.content)) {
      ex.opaque.push(f.content.relabel(`file ${f.path}`));
      continue;
    }
    const kind = classify(f.path, f.content);
    if (kind === "compose" || composeRefs.some((r) => refersTo(r.path, f.path))) {
      ex.containers.push(...composeContainers({ ...f, content: f.content }, files, ex.problems));
    }
    ex.hostSettings.push(
      ...settingsFromFile({ path: f.path, content: f.content }).map((st) => ({ ...st, host: f.host })),
    );
  }
}

/** The services of compose file `f` as containers (parse problems go to `problems`). */
export function composeContainers(
  f: HostFile & { content: string },
  siblings: readonly HostFile[],
  problems: string[],
): ContainerSpec[] {
  const compose = parseCompose(f.content);
  problems.push(...compose.problems.map((m) => `${f.path}: ${m}`));
  return compose.services.map((s) => fromComposeService(s, f, siblings));
}

/** Whether `docker compose -f ref` names `path`: the same absolute path, or a relative one ending it. */
export function refersTo(ref: string, path: string): boolean {
  if (ref.startsWith("/")) return ref === path;
  return path.endsWith("/" + ref.replace(/^(\.\/)+/, ""));
}
