import { resourceRule } from "../lib/ruleKit/rule";
import { TYPES } from "../lib/extract/resource";
import { isRecord, isSentinel, unproxy } from "../lib/parse/propertyValues";
import { REDIS_TLS_KEY_FILE } from "../contract/redis";

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----/;
/** Where the command provider expects the key, and stores it as a secret (its SDK wraps `connection` in pulumi.secret). */
const KEY_HOMES = [/^connection\.privateKey$/, /^connection\.proxy\.privateKey$/];
/** A container upload's content, by index: the key is allowed there when the upload's file is a TLS key file. */
const UPLOAD_CONTENT = /^uploads\[(\d+)\]\.content$/;

export const sshPrivateKeySecret = resourceRule<{ allowedPaths: string[]; tlsKeyFiles: string[] }>(
  {
    name: "ssh-private-key-secret",
    description:
      "SSH private key material appears only in a remote command's connection.privateKey — never in scripts, environment, triggers, files or container settings.",
    config: {
      tlsKeyFiles: {
        type: "array",
        items: { type: "string" },
        default: [REDIS_TLS_KEY_FILE],
        description:
          "Container upload destinations that are a TLS server's own key (not an SSH key): the server needs it on disk. Default: the kit's Redis TLS key (redis.tls), uploaded as a Pulumi secret.",
      },
      allowedPaths: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          'Further property paths allowed to hold a key (e.g. "environment.DEPLOY_KEY" for a value you made a Pulumi secret).',
      },
    },
    enforcementLevel: "mandatory",
    severity: "critical",
    remediation:
      'Pass the key only as `connection: { privateKey: cfg.requireSecret("sshPrivateKey") }` and keep it in stack config with `pulumi config set --secret`. A key written into a create/update script, environment, triggers, a string asset or a container setting lands in the state file in clear text (and in process lists on the host). Policies cannot tell whether a value was made a Pulumi secret — the engine unwraps secrets before policies see them — so anything outside connection.privateKey is refused unless listed in allowedPaths.',
    kics: { id: "a88baa34-e2ad-44ea-ad6f-8cac87bc7c71", title: "Passwords And Secrets" },
  },
  [
    TYPES.localCommand,
    TYPES.remoteCommand,
    TYPES.copyToRemote,
    TYPES.copyFile,
    TYPES.container,
    TYPES.service,
    TYPES.vpsHost,
    TYPES.redisBroker,
    TYPES.workerPool,
  ],
  async (r, ctx) => {
    const allowed = new Set(ctx.config.allowedPaths);
    const props = unproxy(r.props);
    const tlsKeyFiles = new Set(ctx.config.tlsKeyFiles);
    const uploads = isRecord(props) && Array.isArray(props["uploads"]) ? (props["uploads"] as unknown[]) : [];
    const isTlsKeyUpload = (path: string): boolean => {
      const i = UPLOAD_CONTENT.exec(path)?.[1];
      const upload = i === undefined ? undefined : uploads[Number(i)];
      return isRecord(upload) && typeof upload["file"] === "string" && tlsKeyFiles.has(upload["file"]);
    };
    for (const [path, text] of await textsOf(props)) {
      if (!PEM_PRIVATE_KEY.test(text)) continue;
      if (KEY_HOMES.some((re) => re.test(path)) || allowed.has(path)) continue;
      if (r.type === TYPES.container && isTlsKeyUpload(path)) continue;
      ctx.violation(`${path} holds a private key in clear text.`);
    }
  },
  { acrossResources: false }, // reads the resource's own properties only
);

/** Every string in the properties with its path, string assets' text included (it is stored in the state). */
async function textsOf(value: unknown, path = ""): Promise<[string, string][]> {
  if (typeof value === "string") return isSentinel(value) ? [] : [[path, value]];
  if (Array.isArray(value)) return (await Promise.all(value.map((e, i) => textsOf(e, `${path}[${i}]`)))).flat();
  if (!isRecord(value)) return [];
  if (value["__pulumiAsset"] && "text" in value) {
    const text = await value["text"];
    return typeof text === "string" ? [[`${path} (string asset)`, text]] : [];
  }
  if (value["__pulumiArchive"] && "assets" in value) return textsOf(await value["assets"], path);
  return (await Promise.all(Object.entries(value).map(([k, e]) => textsOf(e, path ? `${path}.${k}` : k)))).flat();
}
