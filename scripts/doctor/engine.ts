// Whether the Docker engine restarted since the deploy: dockerd's start against each container's creation and last
// start. With live-restore the containers keep running through it (a warning: find why); without it the engine
// restarts them, which Docker's RestartCount never counts.
import type { Runner } from "./host";
import { intOf, parseProbe } from "./parse";
import type { ContainerFacts, EngineFacts, Expectations, Finding } from "./types";

/** The engine's start is read to the second (ps etimes); a container started within this of it was started by it. */
export const ENGINE_CLOCK_SLACK_S = 5;
const PROBE_MARK = "engine_probe=1";

/**
 * dockerd's pid — the one whose command line names DOCKER_HOST's socket, else /var/run/docker.pid, else the oldest
 * dockerd — its age in seconds, the host's clock, and `docker info`'s LiveRestoreEnabled.
 */
export function engineProbe(): string {
  return [
    `echo ${PROBE_MARK}`,
    'pid=""',
    'case "${DOCKER_HOST:-}" in unix://*)',
    '  sock="${DOCKER_HOST#unix://}"',
    '  for p in $(pgrep -x dockerd); do tr "\\0" " " <"/proc/$p/cmdline" | grep -qF -- "$sock" && pid=$p; done ;;',
    "esac",
    '[ -n "$pid" ] || pid="$(cat /var/run/docker.pid 2>/dev/null)"',
    '[ -n "$pid" ] || pid="$(pgrep -xo dockerd)"',
    'echo "pid=$pid"',
    'echo "now=$(date +%s)"',
    'echo "etimes=$(ps -o etimes= -p "$pid" 2>/dev/null | tr -d " ")"',
    "echo \"live_restore=$(docker info --format '{{.LiveRestoreEnabled}}' 2>/dev/null)\"",
  ].join("\n");
}

export function engineFactsOf(text: string): EngineFacts {
  if (!text.includes(PROBE_MARK)) return { error: "the engine probe did not run" };
  const probe = parseProbe(text);
  const now = intOf(probe.now);
  const age = intOf(probe.etimes);
  const liveRestore = probe.live_restore === "true" ? true : probe.live_restore === "false" ? false : undefined;
  if (now === undefined || age === undefined)
    return { liveRestore, error: `no dockerd process found${probe.pid ? ` (pid ${probe.pid})` : ""}` };
  return { startedAt: now - age, pid: intOf(probe.pid), liveRestore };
}

export function gatherEngine(run: Runner): EngineFacts {
  return engineFactsOf(run(engineProbe()).stdout);
}

/** `docker inspect` times (RFC 3339, nanoseconds) → seconds since the epoch; Docker's zero time → undefined. */
export function epochOf(time: string | undefined): number | undefined {
  if (!time) return undefined;
  const ms = Date.parse(time.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : undefined;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const duration = (seconds: number): string =>
  seconds < 120
    ? `${Math.round(seconds)} s`
    : seconds < 7200
      ? `${Math.round(seconds / 60)} min`
      : `${(seconds / 3600).toFixed(1)} h`;

const row = (draft: Omit<Finding, "area" | "subject">): Finding => ({ area: "host", subject: "dockerd", ...draft });

/** The live-restore row (only where the kit manages daemon.json) and the engine-restart row. */
export function engineFindings(
  expect: Expectations,
  engine: EngineFacts,
  containers: readonly ContainerFacts[],
): Finding[] {
  const findings: Finding[] = [];
  if (expect.host.liveRestore) {
    const got = engine.liveRestore;
    findings.push(
      row(
        got === true
          ? { severity: "ok", check: "live-restore", measured: "true", expected: "true", action: "" }
          : {
              severity: "warning",
              check: "live-restore",
              measured: got === undefined ? "unreadable" : String(got),
              expected: "true (the kit's daemon.json)",
              action: `an engine restart stops every container: QUEUEKIT_STACK=${expect.stack} npm run up (the docker-daemon step writes daemon.json)`,
            },
      ),
    );
  }
  findings.push(row(restartDraft(engine, containers)));
  return findings;
}

function restartDraft(engine: EngineFacts, containers: readonly ContainerFacts[]): Omit<Finding, "area" | "subject"> {
  const check = "engine restart";
  const started = engine.startedAt;
  if (started === undefined)
    return {
      severity: "warning",
      check,
      measured: `unreadable: ${engine.error ?? "?"}`,
      expected: "dockerd up since before the deploy",
      action: "ps -o lstart= -C dockerd on the host (is dockerd a local process?)",
    };
  const deployed = containers.filter((c) => c.exists && c.createdAt !== undefined);
  if (!deployed.length)
    return { severity: "ok", check, measured: `up since ${iso(started)}`, expected: "—", action: "" };
  const deployedAt = Math.min(...deployed.map((c) => c.createdAt!));
  const expected = `up since before the deploy (${iso(deployedAt)})`;
  // Containers created before this engine started: they lived through its restart, or were started again by it.
  const before = deployed.filter((c) => c.createdAt! < started - ENGINE_CLOCK_SLACK_S);
  if (!before.length) return { severity: "ok", check, measured: `up since ${iso(started)}`, expected, action: "" };
  const restarted = before.filter((c) => c.startedAt !== undefined && c.startedAt >= started - ENGINE_CLOCK_SLACK_S);
  const kept = before.filter((c) => c.status === "running" && !restarted.includes(c));
  const since = `restarted ${iso(started)}, ${duration(started - deployedAt)} after the deploy`;
  if (!restarted.length)
    return {
      severity: "warning",
      check,
      measured: `${since}; ${kept.length} container(s) kept running (live-restore)`,
      expected,
      action:
        "nothing was stopped: find why it restarted (journalctl -u docker: an upgrade? a daemon.json change?) and check the Redis and queue rows",
    };
  return {
    severity: "warning",
    check,
    measured: `${since}; it restarted ${restarted.map((c) => c.name).join(", ")}`,
    expected,
    action: `live-restore off? (docker info -f '{{.LiveRestoreEnabled}}'): their tasks were interrupted and run again after the visibility timeout; journalctl -u docker says why it restarted`,
  };
}
