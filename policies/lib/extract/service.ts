// docker.Service (Swarm): memoryBytes in bytes; no swap setting; ports published through the ingress mesh.
import { emptyExtraction, type Extraction } from "../model/extraction";
import { bool, isKnown, isUnknown, list, num, str, stringMap, strings, type Val } from "../parse/propertyValues";
import { at1, checkTests, joinArgv } from "./containerFields";

// docker.Service (Swarm): memoryBytes in bytes; no swap setting; ports published through the ingress mesh

export async function fromService(p: unknown, host: Val<string>): Promise<Extraction> {
  const ex = emptyExtraction();
  const ts = "taskSpec";
  const condition = str(p, `${ts}.restartPolicy.condition`);
  const global = at1(at1(p, "mode"), "global");
  const replicas = global === true ? 1 : num(p, "mode.replicated.replicas");
  const ports = list(p, "endpointSpec.ports");
  ex.containers.push({
    origin: "docker.Service",
    kind: "service",
    host,
    name: str(p, "name"),
    image: str(p, `${ts}.containerSpec.image`),
    replicas: replicas ?? 1,
    memory: zeroless(num(p, `${ts}.resources.limits.memoryBytes`)),
    memorySwap: undefined,
    swapSettable: false,
    memoryReservation: zeroless(num(p, `${ts}.resources.reservation.memoryBytes`)),
    oomKillDisable: undefined,
    oomScoreAdj: undefined,
    privileged: false,
    capAdd: strings(p, `${ts}.containerSpec.capAdds`),
    // Swarm's default condition is "any": restarted whatever the exit.
    restart:
      condition === undefined
        ? "always"
        : isUnknown(condition)
          ? condition
          : condition === "none"
            ? "no"
            : condition === "any"
              ? "always"
              : condition,
    healthcheck: checkTests(list(p, `${ts}.containerSpec.healthcheck.tests`)),
    logDriver: str(p, `${ts}.logDriver.name`),
    logOpts: stringMap(p, `${ts}.logDriver.options`),
    ports: isKnown(ports)
      ? ports.map((_, i) => ({
          hostIp: undefined,
          hostPort: str(p, `endpointSpec.ports.${i}.publishedPort`),
          containerPort: str(p, `endpointSpec.ports.${i}.targetPort`),
          everywhere: true,
        }))
      : ports,
    publishAll: undefined,
    networkMode: undefined,
    argv: joinArgv(strings(p, `${ts}.containerSpec.commands`), strings(p, `${ts}.containerSpec.args`)),
    files: [],
    // The provider's Swarm task spec has no CPU weight, no-new-privileges or PIDs limit.
    hardening: {
      readOnlyRoot: bool(p, `${ts}.containerSpec.readOnly`),
      capDrop: strings(p, `${ts}.containerSpec.capDrops`),
      securityOpts: undefined,
      pidsLimit: undefined,
      cpuShares: undefined,
      user: str(p, `${ts}.containerSpec.user`),
      settable: new Set(["readOnlyRoot", "capDrop", "user"]),
    },
  });
  return ex;
}

const zeroless = (v: Val<number>): Val<number> => (isKnown(v) && v === 0 ? undefined : v);
