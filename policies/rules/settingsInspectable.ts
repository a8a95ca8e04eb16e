import { resourceRule } from "../lib/ruleKit/rule";
import { CONTAINER_TYPES, extractionOf } from "../lib/ruleKit/subjects";

export const settingsInspectable = resourceRule<{ reportParseProblems: boolean }>(
  {
    name: "settings-inspectable",
    description:
      "Every command, file and container setting that could carry memory settings is readable by the pack at preview (otherwise it is checked only at `pulumi up`).",
    config: {
      reportParseProblems: {
        type: "boolean",
        default: true,
        description: "Also report scripts and files that do not parse (unterminated quote, invalid YAML).",
      },
    },
    enforcementLevel: "advisory",
    severity: "low",
    remediation:
      "Build command strings and file contents from values known at preview (config, constants) rather than other resources' outputs; deliver files as StringAsset/FileAsset or directories (not remote or zip archives); set QUEUEKIT_PROGRAM_DIR when FileAsset paths are relative and `pulumi` runs elsewhere. In CI, set `strict` (QUEUEKIT_POLICY_STRICT=1, or `strict: true` per rule) to refuse what cannot be checked.",
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    const ex = await extractionOf(r);
    for (const u of ex.opaque) ctx.unknown(u, "not inspected");
    if (ctx.config.reportParseProblems)
      for (const p of ex.problems) ctx.notRead(`not fully read: ${p}; what follows it is not checked.`);
  },
);
