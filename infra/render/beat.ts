// Celery beat: its argv (one scheduler, its state file on the volume) and the lines it adds to its pool's celeryconfig
// (the schedule from beat.schedule, a state write after each sent task). Pure text.
import type { BeatConfig, BeatEntry } from "../config/beat";
import { shq } from "./shell";

/** The schedule state (shelve: last run of each entry) inside beat.stateDir, on the stack's beat volume. */
export const beatStateFile = (beat: BeatConfig): string => `${beat.stateDir.replace(/\/+$/, "")}/schedule`;

/** CIS 5.29's PIDs bound: beat is one Python process (main thread and a few of kombu's), the healthcheck's sh + find. */
export const BEAT_PIDS_LIMIT = 32;

/** Exit status when the state directory is not writable (EX_CONFIG): the restart loop's log names the fix. */
export const BEAT_EX_CONFIG = 78;

/**
 * `celery beat` for the app, behind a check that the state directory is writable by the image's user (Docker gives
 * a new volume the owner of the image's directory, root when the image has none): a clear line instead of a trace.
 */
export function beatArgv(beat: BeatConfig, app: string): string[] {
  const dir = beat.stateDir;
  const celery = [
    "python3",
    "-m",
    "celery",
    "-A",
    app,
    "beat",
    "-s",
    beatStateFile(beat),
    "--pidfile=",
    "--loglevel",
    "INFO",
  ];
  const refusal =
    `queuekit: beat.stateDir ${dir} is not writable by uid $(id -u): create it in the image, owned by its user ` +
    `(Dockerfile: RUN mkdir -p ${dir} && chown <user> ${dir}), or set beat.stateDir to a directory it owns`;
  return [
    "sh",
    "-c",
    `test -w ${shq(dir)} || { echo "${refusal}" >&2; exit ${BEAT_EX_CONFIG}; }; exec ${celery.map(shq).join(" ")}`,
  ];
}

/** What beat adds to the pool's rendered celeryconfig: the configured schedule, and a state write per sent task. */
export function renderBeatSettings(stack: string, beat: BeatConfig): string {
  const lines = [
    "",
    `# Celery beat of stack ${stack}: one scheduler for the whole stack (never -B in a worker, never one per replica).`,
    "# Write the schedule state after every task sent (default: every 3 min), so a beat killed and restarted knows",
    "# each entry's last run and neither repeats nor skips one.",
    "beat_sync_every = 1",
    "# ...into dbm.dumb files, written through at each sync: Python's default dbm here (ndbm, Berkeley DB style) kept",
    "# the writes in memory until closed, and a beat killed by SIGKILL came back with a fresh schedule.",
    "import dbm.dumb as _dumb  # noqa: E402",
    "import shelve as _shelve  # noqa: E402",
    "",
    "from celery.beat import PersistentScheduler as _PersistentScheduler  # noqa: E402",
    "",
    "",
    "class _DurableShelve:",
    "    @staticmethod",
    "    def open(filename, writeback=True):",
    '        return _shelve.Shelf(_dumb.open(filename, "c"), writeback=writeback)',
    "",
    "",
    "class DurableScheduler(_PersistentScheduler):",
    "    persistence = _DurableShelve",
    "",
    "",
    'beat_scheduler = "queuekit_celeryconfig:DurableScheduler"',
    "# Wake at least once a minute (default 5 min): the state file, and so the health check, stays fresh.",
    "beat_max_loop_interval = 60",
  ];
  if (beat.schedule.length === 0)
    return [
      ...lines,
      "# No beat.schedule in the stack config: the app's own periodic tasks (add_periodic_task).",
      "",
    ].join("\n");
  return [
    ...lines,
    "# beat.schedule of the stack config. An app that assigns app.conf.beat_schedule itself replaces these entries;",
    "# app.add_periodic_task adds to them.",
    "import json as _json  # noqa: E402",
    "",
    `beat_schedule = {\n${beat.schedule.map(pythonEntry).join("\n")}\n}`,
    "",
  ].join("\n");
}

// JSON text inside a Python string literal (JSON's escapes are Python's): args and kwargs exactly as configured.
const pyJson = (value: unknown): string => `_json.loads(${JSON.stringify(JSON.stringify(value))})`;

function pythonEntry(e: BeatEntry): string {
  const fields = [
    `"task": ${JSON.stringify(e.task)}`,
    `"schedule": ${e.every}.0`,
    `"args": ${pyJson(e.args)}`,
    `"kwargs": ${pyJson(e.kwargs)}`,
    ...(e.queue === undefined ? [] : [`"options": {"queue": ${JSON.stringify(e.queue)}}`]),
  ];
  return `    ${JSON.stringify(e.name)}: {${fields.join(", ")}},`;
}
