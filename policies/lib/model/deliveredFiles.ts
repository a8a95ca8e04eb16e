// What a delivered file is (compose, daemon.json, redis.conf, sysctl drop-in, systemd unit, grub defaults),
// the files shell commands write (`cat > f <<EOF`, `echo 1 > /proc/sys/…`, `… | tee f`), and the host
// settings (vm.overcommit_memory, transparent hugepages) that files and commands make.
import { basename, readScript, unwrap, type Invocation } from "../parse/commandLine";
import { looksLikeCompose } from "../parse/composeFile";
import type { DeliveredFile } from "../extract/assets";

export type FileKind = "compose" | "daemon-json" | "redis-conf" | "sysctl" | "systemd-unit" | "grub" | "other";

export function classify(path: string, content: string): FileKind {
  const name = basename(path);
  if (name === "daemon.json") return "daemon-json";
  if (looksLikeCompose(path, content)) return "compose";
  if (/^\/(etc|run|usr\/lib|lib)\/sysctl\.d\/|^\/etc\/sysctl\.conf$|^\/proc\/sys\//.test(path)) return "sysctl";
  if (/(redis|valkey|keydb)[^/]*\.conf$/i.test(name)) return "redis-conf";
  if (/\.conf$/i.test(name) && /^\s*(maxmemory|maxmemory-policy|appendonly|requirepass|appendfsync)\s/im.test(content))
    return "redis-conf";
  if (/\.service$/.test(name)) return "systemd-unit";
  if (/^\/etc\/default\/grub(\.d\/.*)?$/.test(path)) return "grub";
  if (/^\s*vm\.overcommit_memory\s*=/m.test(content)) return "sysctl";
  return "other";
}

/** Files a script writes with a redirection or `tee`, when their content is in the script. */
export function filesWritten(invocations: readonly Invocation[]): DeliveredFile[] {
  const out: DeliveredFile[] = [];
  for (const inv of invocations) {
    const prog = basename(inv.argv[0]!.text);
    const redirects = inv.command.redirects;
    const stdin = stdinText(inv);
    for (const r of redirects) {
      if (
        (r.op !== ">" && r.op !== ">>" && r.op !== ">|") ||
        (r.fd !== undefined && r.fd !== 1) ||
        !r.target ||
        r.target.dynamic
      )
        continue;
      const content = stdin ?? (prog === "echo" || prog === "printf" ? printed(inv) : undefined);
      if (content !== undefined) out.push({ path: r.target.text, content });
    }
    if (prog === "tee") {
      const content = stdin ?? (inv.command.pipedFrom ? pipedText(inv.command.pipedFrom) : undefined);
      if (content === undefined) continue;
      for (const w of inv.argv.slice(1)) if (!w.text.startsWith("-") && !w.dynamic) out.push({ path: w.text, content });
    }
  }
  return out;
}

function stdinText(inv: Invocation): string | undefined {
  for (const r of inv.command.redirects) {
    if ((r.op === "<<" || r.op === "<<-") && r.heredoc !== undefined) return r.heredoc;
    if (r.op === "<<<" && r.target) return r.target.text + "\n";
  }
  return undefined;
}

function pipedText(cmd: Invocation["command"]): string | undefined {
  const argv = unwrap(cmd.words);
  if (argv.length === 0) return undefined;
  const reading: Invocation = { argv, command: cmd, via: [] };
  const prog = basename(reading.argv[0]!.text);
  return prog === "echo" || prog === "printf" ? printed(reading) : stdinText(reading);
}

/** What `echo …` / `printf …` prints (simple forms only). */
function printed(inv: Invocation): string {
  const args = inv.argv.slice(1).map((w) => w.text);
  if (basename(inv.argv[0]!.text) === "echo") {
    while (args[0] && /^-[neE]+$/.test(args[0])) args.shift();
    return args.join(" ") + "\n";
  }
  const [format = "", ...rest] = args;
  const unescape = (s: string): string => s.replace(/\\n/g, "\n").replace(/\\t/g, "\t");
  if (rest.length === 0) return unescape(format);
  return rest.map((a) => unescape(format).replace(/%s/g, a)).join("");
}

export interface HostSetting {
  /** "vm.overcommit_memory" or "transparent_hugepage". */
  readonly key: string;
  readonly value: string;
  /** How it was set, for messages. */
  readonly via: string;
}

export const OVERCOMMIT = "vm.overcommit_memory";
export const THP = "transparent_hugepage";

/** `sysctl [-w] vm.overcommit_memory=1` and friends. */
export function settingsFromInvocations(invocations: readonly Invocation[]): HostSetting[] {
  const out: HostSetting[] = [];
  for (const inv of invocations) {
    if (basename(inv.argv[0]!.text) !== "sysctl") continue;
    for (const w of inv.argv.slice(1)) {
      const m = /^([\w./-]+)=(.*)$/.exec(w.text);
      if (m && !w.dynamic)
        out.push({ key: m[1]!.replace(/\//g, "."), value: m[2]!.trim(), via: `\`${inv.command.text}\`` });
    }
  }
  return out;
}

/** Host settings a delivered file makes: /proc and /sys writes, sysctl drop-ins, THP units, grub cmdline. */
export function settingsFromFile(file: { path: string; content: string }): HostSetting[] {
  const via = `file ${file.path}`;
  if (file.path === "/proc/sys/vm/overcommit_memory") return [{ key: OVERCOMMIT, value: file.content.trim(), via }];
  if (file.path === "/sys/kernel/mm/transparent_hugepage/enabled")
    return [{ key: THP, value: file.content.trim(), via }];
  const kind = classify(file.path, file.content);
  if (kind === "sysctl") {
    const out: HostSetting[] = [];
    for (const line of file.content.split(/\r?\n/)) {
      const m = /^\s*-?\s*([\w./-]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (m && !line.trim().startsWith("#") && !line.trim().startsWith(";"))
        out.push({ key: m[1]!.replace(/\//g, "."), value: m[2]!, via });
    }
    return out;
  }
  if (kind === "systemd-unit") {
    // ExecStart=/bin/sh -c 'echo never > /sys/kernel/mm/transparent_hugepage/enabled'
    const scripts = [...file.content.matchAll(/^\s*ExecStart(?:Pre|Post)?\s*=\s*[-@+!:]*(.+)$/gm)].map((m) => m[1]!);
    return scripts.flatMap((s) => settingsOfScript(s, via));
  }
  if (kind === "grub" && /transparent_hugepage=never/.test(file.content)) return [{ key: THP, value: "never", via }];
  return [];
}

/** Everything a script sets on its host: sysctl calls and files it writes. */
export function settingsOfScript(script: string, via: string): HostSetting[] {
  const { invocations } = readScript(script);
  return [
    ...settingsFromInvocations(invocations),
    ...filesWritten(invocations).flatMap((f) =>
      settingsFromFile({ path: f.path, content: typeof f.content === "string" ? f.content : "" }),
    ),
  ].map((s) => ({ ...s, via: `${s.via} (${via})` }));
}
