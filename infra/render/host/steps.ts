// Host preparation as shell steps: pure functions from the host config to the files and the scripts that
// install them (create) and undo them (delete). The same text runs over SSH and on this machine.
import type { Connection } from "../../config/types";
import { MiB } from "../../config/units";
import { rotatedLogs } from "../logs";
import { heredocBody, sha256, shq } from "../shell";
import { fill, readTemplate } from "../template";
import { renderDaemonJson, renderSysctlDropIn, renderThpUnit, sysctlValues } from "./files";
import { hostInstance, hostPaths, targetLabel } from "./paths";
import type { HostRenderInput, HostStep, StepName } from "./types";
import { validateHostInput } from "./validate";

/** Every step for one host, in dependency order; the swap and cgroup steps only when configured. */
export function renderHostSteps(input: HostRenderInput): HostStep[] {
  validateHostInput(input);
  const { host, docker } = input;
  // The files, units and state carry the host's name on a several-host stack's other hosts (hostInstance).
  const stack = hostInstance(input.stack, input.hostName);
  const paths = hostPaths(input.stack, input.hostName);
  const script = scriptWriter(stack, paths.state, host.connection);
  const steps: HostStep[] = [];

  // MemTotal is below the nominal size (kernel, firmware): refuse a host with less than 85% of what was planned.
  const minMemKiB = Math.floor((input.memory / 1024) * 0.85);
  steps.push(
    script.step("boot", [], {}, "1", {
      create: ["boot.sh", { memoryMiB: input.memory / MiB, minMemKiB }],
    }),
  );

  steps.push(
    script.step("docker-install", ["boot"], {}, "docker.io", {
      create: ["docker-install.sh", {}],
    }),
  );

  if (docker.manage) {
    const daemonJson = renderDaemonJson();
    const engine = { confQ: shq(docker.configFile), restart: docker.restart };
    steps.push(
      script.step("docker-daemon", ["docker-install"], { [docker.configFile]: daemonJson }, docker.configFile, {
        create: [
          "docker-daemon-apply.sh",
          { daemonJson: heredocBody(daemonJson), engineQ: shq(`true ${rotatedLogs.logDriver}`) },
          engine,
        ],
        delete: ["docker-daemon-revert.sh", {}, engine],
      }),
    );
  }

  const dropIn = renderSysctlDropIn({ ...input, stack });
  const want = sysctlValues(host)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
  steps.push(
    script.step("sysctl", ["boot"], { [paths.sysctl]: dropIn }, paths.sysctl, {
      create: ["sysctl-apply.sh", { confQ: shq(paths.sysctl), want, dropIn: heredocBody(dropIn) }],
      delete: ["sysctl-revert.sh", { confQ: shq(paths.sysctl) }],
    }),
  );

  const unit = renderThpUnit(stack, host.transparentHugePages);
  steps.push(
    script.step("thp", ["boot"], { [paths.thpUnit]: unit }, paths.thpUnit, {
      create: [
        "thp-apply.sh",
        { unitQ: shq(paths.thpUnit), mode: host.transparentHugePages, unitText: heredocBody(unit) },
      ],
      delete: ["thp-revert.sh", { unitQ: shq(paths.thpUnit) }],
    }),
  );

  if (host.swapFile > 0) {
    const swap = {
      swapQ: shq(paths.swapFile),
      markerQ: shq(`# queuekit-${stack}: swap file (pulumi destroy removes it)`),
    };
    steps.push(
      script.step("swap", ["boot"], {}, `${paths.swapFile} ${host.swapFile}`, {
        create: ["swap-apply.sh", { ...swap, bytes: host.swapFile, mib: host.swapFile / MiB }],
        delete: ["swap-revert.sh", swap],
      }),
    );
  }

  if (host.emulate) {
    const cg = { cgroupQ: shq(paths.cgroup) };
    steps.push(
      script.step("cgroup", ["boot"], {}, `${paths.cgroup} ${input.memory}`, {
        create: ["cgroup-apply.sh", { ...cg, bytes: input.memory }],
        delete: ["cgroup-revert.sh", cg],
      }),
    );
  }
  return steps;
}

type Part = [template: string, values: Record<string, string | number>, shared?: Record<string, string | number>];

function scriptWriter(stack: string, state: string, connection: Connection) {
  const target = targetLabel(connection);
  const render = (name: StepName, hash: string, [template, values, shared]: Part): string => {
    const prelude = fill(readTemplate("host/prelude.sh"), {
      step: name,
      stack,
      target,
      targetQ: shq(target),
      stateQ: shq(state),
      hash,
    });
    // docker-engine.sh holds the engine functions both daemon.json scripts use.
    const lib = shared ? fill(readTemplate("host/docker-engine.sh"), shared) : "";
    return prelude + lib + fill(readTemplate(`host/${template}`), values);
  };
  return {
    step(
      name: StepName,
      after: StepName[],
      files: Record<string, string>,
      identity: string,
      scripts: { create: Part; delete?: Part },
    ): HostStep {
      // The hash covers what lands on the host (files, sizes, paths), not the script text: a new kit version
      // whose script differs reruns the step as an update, without a revert in between.
      const hash = sha256(JSON.stringify({ identity, files }));
      return {
        name,
        hash,
        files,
        after,
        create: render(name, hash, scripts.create),
        delete: scripts.delete && render(name, hash, scripts.delete),
      };
    },
  };
}
