// Host files a container sees through its bind mounts (docker run -v/--mount, compose volumes).
import * as path from "path";
import type { DeliveredFile } from "./assets";
import type { HostFile } from "../model/extraction";

/** Host files (written or copied by the same resource) seen inside a container through its bind mounts. */
export function boundFiles(
  binds: readonly { source: string; target: string }[],
  hostFiles: readonly HostFile[],
  base: string,
): DeliveredFile[] {
  const out: DeliveredFile[] = [];
  for (const b of binds) {
    const source = path.posix.resolve(base, b.source);
    for (const f of hostFiles) {
      if (f.path === source) out.push({ path: b.target, content: f.content, hostPath: f.path });
      else if (f.path.startsWith(source + "/"))
        out.push({
          path: path.posix.join(b.target, f.path.slice(source.length + 1)),
          content: f.content,
          hostPath: f.path,
        });
    }
  }
  return out;
}
