/** Labels every kit container carries, so tests and operators can find a stack's containers. */
export function kitLabels(stack: string, role: string): { label: string; value: string }[] {
  return [
    { label: "queuekit.stack", value: stack },
    { label: "queuekit.role", value: role },
  ];
}

/**
 * What every kit container runs with (CIS Docker 5.3, 5.26, 5.12): no capabilities — none of the kit's processes needs
 * one, each runs as its image's non-root user — no privilege gain through setuid files, and the plan's CPU weight.
 * The root filesystem stays writable: the provider uploads each config file into it before the container starts
 * (upstream's provider extracts uploads at "/", which Docker refuses on a read-only root).
 */
export function hardened(cpuShares: number) {
  return {
    capabilities: { drops: ["ALL"] },
    securityOpts: ["no-new-privileges:true"],
    cpuShares,
  };
}

/** A side component's inputs in the state, for the policy pack: its size and where its port is published. */
export function sideSummary(
  limitBytes: number,
  bind: string,
): { readonly memoryBytes: number; readonly publishOn?: string } {
  return { memoryBytes: limitBytes, publishOn: bind === "none" ? undefined : bind };
}

/** `http://<address>:<port><path>` of a port published on `publishOn` (an IPv6 address in brackets), if published. */
export function publishedUrl(publishOn: string | undefined, port: number, path = ""): string | undefined {
  if (!publishOn) return undefined;
  return `http://${publishOn.includes(":") ? `[${publishOn}]` : publishOn}:${port}${path}`;
}
