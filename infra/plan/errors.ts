import { MiB } from "../config/units";
import { mibText } from "./describe";
import { textTable } from "./textTable";

/** One line of a refused plan: a config key, what it asks for, and what to change. */
export interface PlanItem {
  /** Key path under the `queuekit` namespace. */
  readonly key: string;
  readonly asked: string;
  readonly bytes: number;
  readonly change: string;
}

export interface PlanLimit {
  readonly key: string;
  readonly bytes: number;
  readonly change: string;
}

/** A plan whose limits do not fit the host; the message is the table of asked vs available. */
export class PlanError extends Error {
  readonly asked: number;

  constructor(
    readonly resource: "memory" | "swap",
    readonly items: readonly PlanItem[],
    readonly available: PlanLimit,
    /** With several hosts: the host that does not fit. */
    readonly host?: { readonly name: string; readonly key: string },
  ) {
    const asked = items.reduce((total, item) => total + item.bytes, 0);
    const rows = [
      ...items.map((item) => [`queuekit:${item.key}`, item.asked, String(item.bytes / MiB), item.change]),
      ["total asked", "", String(asked / MiB), ""],
      [`queuekit:${available.key}`, "available", String(available.bytes / MiB), available.change],
    ];
    super(
      [
        `queuekit plan does not fit${host ? ` host "${host.name}" (${host.key})` : ""}: it asks ${mibText(asked)} of ${resource}, queuekit:${available.key} gives ${mibText(available.bytes)} — ${mibText(asked - available.bytes)} over.`,
        "",
        textTable(["key", "asked", "MiB", "change"], rows, ["l", "l", "r", "l"]),
      ].join("\n"),
    );
    this.name = "PlanError";
    this.asked = asked;
  }
}
