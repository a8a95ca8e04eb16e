// A single-node Docker Swarm on a throw-away engine (test/e2e/dockerEngine.ts), never on the shared one: `swarm init`
// there cannot turn the engine other tests and developers use into a manager.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { startTestEngine, type TestEngine } from "./dockerEngine";

/** The ports a swarm listens on: its control plane (TCP) and its VXLAN data path (UDP), from the caller's range. */
export interface SwarmPorts {
  readonly listen: number;
  readonly dataPath: number;
}

function must(r: { code: number; stdout: string; stderr: string }, what: string): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/** Start a throw-away engine and make it the manager of a new single-node swarm on 127.0.0.1. */
export async function startSwarmEngine(ports: SwarmPorts): Promise<TestEngine> {
  const engine = await startTestEngine("{}");
  const stopEngine = engine.stop.bind(engine);
  // `swarm init` would create a host bridge named docker_gwbridge; made first, it gets this engine's own name.
  const gwBridge = `qkgw${path.basename(engine.dir).slice(-6)}`;
  const stop = async () => {
    engine.docker(["swarm", "leave", "--force"]); // removes the services, their tasks, secrets and configs
    engine.docker(["rm", "-f", ...engine.docker(["ps", "-aq"]).stdout.split("\n").filter(Boolean)]);
    engine.docker(["network", "rm", "docker_gwbridge"]);
    await stopEngine();
    // The engine's own bridge goes with it; the gateway bridge outlives a `network rm` refused while swarm tears down.
    spawnSync("ip", ["link", "delete", gwBridge]);
  };
  try {
    must(
      engine.docker([
        "network",
        "create",
        "--driver=bridge",
        `--opt=com.docker.network.bridge.name=${gwBridge}`,
        "--opt=com.docker.network.bridge.enable_ip_masquerade=false",
        "docker_gwbridge",
      ]),
      "docker network create docker_gwbridge",
    );
    must(
      engine.docker([
        "swarm",
        "init",
        "--advertise-addr=127.0.0.1",
        `--listen-addr=127.0.0.1:${ports.listen}`,
        `--data-path-port=${ports.dataPath}`,
      ]),
      "docker swarm init",
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return Object.assign(engine, { stop });
}
