import { hostRuleIssues, throwIssues } from "../../config/rules";
import { MiB } from "../../config/units";
import type { HostRenderInput } from "./types";

/**
 * Refuses inputs no step could honour: a host config built without parseConfig breaking the config's host rules
 * (a ConfigError naming the key), then what only rendering needs (names, whole MiB, paths).
 */
export function validateHostInput(input: HostRenderInput): void {
  const { host, stack } = input;
  throwIssues(hostRuleIssues(host, input.redisTcpBacklog));
  const problems: string[] = [];
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) problems.push(`stack name ${JSON.stringify(stack)}: only A-Z a-z 0-9 _ . -`);
  if (input.hostName !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(input.hostName))
    problems.push(`host name ${JSON.stringify(input.hostName)}: a DNS label (lowercase letters, digits and "-")`);
  if (host.swapFile % MiB !== 0) problems.push(`host.swapFile (${host.swapFile} bytes) must be whole MiB`);
  if (!input.docker.configFile.startsWith("/"))
    problems.push(`docker config file ${input.docker.configFile}: an absolute path`);
  if (problems.length) throw new Error(`VpsHost: ${problems.join("; ")}`);
}
