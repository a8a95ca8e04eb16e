// Whether each worker reaches the broker from where it runs: a TCP connect from inside the worker container to Redis'
// stack-network alias. Redis may answer the doctor (docker exec in its own container) while a worker, cut off from the
// stack network or its DNS, cannot: the queue then grows and nothing says why.
import { shq } from "../../infra/render/shell";
import type { Runner } from "./host";
import type { BrokerReach, Finding } from "./types";

// Python is in every Celery worker image; the connect is bounded, so a dropped packet cannot hang the doctor.
const CONNECT = [
  "import socket, sys",
  "try:",
  "    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()",
  "except OSError as e:",
  "    print(e or type(e).__name__)",
  "    sys.exit(1)",
].join("\n");

/** The command that tries `host:port` from inside `container`; exit 0 reached, 1 with the reason on stdout. */
export function reachScript(container: string, host: string, port: number): string {
  return `docker exec ${shq(container)} python3 -c ${shq(CONNECT)} ${shq(host)} ${port}`;
}

export function reachOf(result: { readonly code: number; readonly stdout: string; readonly stderr: string }) {
  if (result.code === 0) return { reached: true } as const;
  const why = `${result.stdout}\n${result.stderr}`.trim().split("\n")[0];
  return { reached: false, error: why || `exit ${result.code}` } as const;
}

/** Each running worker's reach of `host:port` (its own connect, from inside it). */
export function gatherReach(
  run: Runner,
  workers: readonly string[],
  host: string,
  port: number,
): Map<string, BrokerReach> {
  return new Map(workers.map((w) => [w, reachOf(run(reachScript(w, host, port)))]));
}

/** The finding of one worker's reach: a failure names the address, the reason and where to look. */
export function reachFinding(worker: string, address: string, reach: BrokerReach): Finding {
  const base = { area: "container", subject: worker, check: "reaches Redis", expected: `${address} connects` } as const;
  return reach.reached
    ? { ...base, severity: "ok", measured: address, action: "" }
    : {
        ...base,
        severity: "failure",
        measured: `${address}: ${reach.error}`,
        action: `the worker cannot reach the broker: its tasks wait; docker inspect -f '{{json .NetworkSettings.Networks}}' ${worker} (on the stack network?), and is Redis running?`,
      };
}
