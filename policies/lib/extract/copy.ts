// command:remote:CopyToRemote / CopyFile: the files delivered (compose, daemon.json, redis.conf, sysctl…).
import { assetFiles, readLocal } from "./assets";
import { emptyExtraction, type Extraction } from "../model/extraction";
import { isUnknown, str, Unknown, type Val } from "../parse/propertyValues";
import { TYPES } from "./resource";
import { at1 } from "./containerFields";
import { addHostFiles } from "./hostFiles";

// command:remote:CopyToRemote / CopyFile

export async function fromCopy(type: string, p: unknown, host: Val<string>): Promise<Extraction> {
  const ex = emptyExtraction();
  const remotePath = str(p, "remotePath");
  if (isUnknown(remotePath)) {
    ex.opaque.push(new Unknown("remotePath"));
    return ex;
  }
  const dest = remotePath ?? "";
  const files =
    type === TYPES.copyFile
      ? [{ path: dest, content: await readLocal(str(p, "localPath"), "localPath") }]
      : await assetFiles(at1(p, "source"), dest, "source");
  if (files instanceof Unknown) {
    ex.opaque.push(files);
    return ex;
  }
  addHostFiles(
    ex,
    files.map((f) => ({ ...f, origin: `\`${f.path}\``, host })),
  );
  return ex;
}
