// The resources each family of rules reads, and short labels for messages.
import { extract, TYPES, type ResourceView } from "./extract";
import type { ContainerSpec } from "./model";

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

export async function containersOf(r: ResourceView): Promise<ContainerSpec[]> {
  return (await extract(r)).containers;
}

export { extract as extractionOf } from "./extract";
export { where } from "./model";
