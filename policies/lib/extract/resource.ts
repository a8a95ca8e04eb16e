// The resource types the pack reads and the view of a resource it takes.
import type { StackFiles } from "../model/stackFiles";
import { COMPONENT_TOKENS } from "../../contract/components";

export const TYPES = {
  container: "docker:index/container:Container",
  service: "docker:index/service:Service",
  localCommand: "command:local:Command",
  remoteCommand: "command:remote:Command",
  copyToRemote: "command:remote:CopyToRemote",
  copyFile: "command:remote:CopyFile",
  vpsHost: COMPONENT_TOKENS.vpsHost,
  redisBroker: COMPONENT_TOKENS.redisBroker,
  workerPool: COMPONENT_TOKENS.workerPool,
} as const;

/** The parts of a resource the pack reads (ResourceValidationArgs and PolicyResource both fit). */
export interface ResourceView {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: unknown;
  readonly provider?: { readonly type: string; readonly props: unknown };
  /** Set in a resource rule's stack phase: the whole stack's files, for what this resource reads from others. */
  readonly stack?: StackFiles;
}
