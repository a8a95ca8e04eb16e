// Shell helpers for rendered scripts: quoting, heredoc bodies, hashes, running as root.
import { createHash } from "node:crypto";
import type { Connection } from "../config/types";

/** A file's text inside a quoted heredoc: the template adds the final newline back. */
export function heredocBody(text: string): string {
  if (!text.endsWith("\n")) throw new Error("rendered file must end with a newline");
  if (/^QUEUEKIT_EOF$/m.test(text)) throw new Error("rendered file contains the heredoc delimiter");
  return text.slice(0, -1);
}

/** Single-quote for POSIX sh. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** For a non-root SSH user: the whole script through `sudo -n sh -c` (no password prompt: it fails clearly). */
export function asRoot(script: string, connection: Connection): string {
  return connection.kind === "ssh" && connection.user !== "root" ? `sudo -n sh -c ${shq(script)}` : script;
}
