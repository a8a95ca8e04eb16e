import { shq } from "./shell";

/** How long a new replica may take to start consuming before the rollout stops (image pull excluded: done by then). */
export const READY_TIMEOUT_S = 300;

/**
 * Waits until a replica's consumer runs — its liveness file exists (queuekit_celery's Liveness step writes it once the
 * worker consumes) — so the next replica is stopped only when this one has taken over. Fails, stopping the rollout,
 * when it never does: the old replicas after it keep running.
 */
export function replicaReadyScript(container: string, livenessFile: string, timeoutS = READY_TIMEOUT_S): string {
  const c = shq(container);
  return [
    `i=0`,
    `until docker exec ${c} test -f ${shq(livenessFile)}; do`,
    `  i=$((i + 1))`,
    `  if [ "$i" -ge ${timeoutS} ]; then echo ${shq(`${container}: no consumer after ${timeoutS} s`)} >&2; exit 1; fi`,
    `  sleep 1`,
    `done`,
  ].join("\n");
}
