// The resources each family of rules reads, and short labels for messages.
import { scopedExtraction } from "../model/stackFiles";
import { TYPES, type ResourceView } from "../extract/resource";
import type { ContainerSpec } from "../model/extraction";

/** Resources that can start containers or deliver files to a host. */
export const CONTAINER_TYPES: readonly string[] = [
  TYPES.container,
  TYPES.service,
  TYPES.localCommand,
  TYPES.remoteCommand,
  TYPES.copyToRemote,
  TYPES.copyFile,
];
export const REDIS_TYPES: readonly string[] = [...CONTAINER_TYPES, TYPES.redisBroker];
export const CELERY_TYPES: readonly string[] = [...CONTAINER_TYPES, TYPES.workerPool];

/** The containers `r` runs, as the rule's phase sees them (see model/stackFiles.ts). */
export async function containersOf(r: ResourceView): Promise<ContainerSpec[]> {
  return (await scopedExtraction(r)).containers;
}

export { scopedExtraction as extractionOf } from "../model/stackFiles";
export { where } from "../model/extraction";
