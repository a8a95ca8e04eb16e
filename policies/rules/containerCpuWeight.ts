import { hardeningRule } from "../lib/ruleKit/hardening";

export const containerCpuWeight = hardeningRule(
  {
    name: "container-cpu-weight",
    description: "Each container states its CPU weight, so a busy worker cannot starve Redis of CPU.",
    severity: "low",
    remediation:
      "Set a CPU weight (relative; Docker's default is 1024): cpuShares (docker.Container), compose `cpu_shares`, `docker run --cpu-shares`. Give the broker more weight than the workers (the kit's plan does), so a saturated host still serves the queue.",
    cis: { id: "5.12", title: "Ensure that CPU priority is set appropriately on containers" },
    kics: { id: "6b610c50-99fb-4ef0-a5f3-e312fd945bc3", title: "Cpus Not Limited" },
  },
  {
    key: "cpuShares",
    what: "its CPU weight",
    problem: (v) =>
      v !== undefined && v > 0 ? undefined : "sets no CPU weight (cpuShares / cpu_shares / --cpu-shares).",
  },
);
