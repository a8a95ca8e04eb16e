export const PRESET_NAMES = ["1GiB", "2GiB", "4GiB", "8GiB"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const isPresetName = (value: unknown): value is PresetName => PRESET_NAMES.some((name) => name === value);

// A preset is the raw config of a typical VPS shape. parseConfig lays the stack's own keys over it
// (objects merge key by key, lists such as `workers` replace), then the schema fills the rest.

const demoPool = {
  name: "default",
  image: "queuekit/celery-demo:local",
  app: "demo",
  queues: ["celery"],
};

export const PRESETS: Readonly<Record<PresetName, Readonly<Record<string, unknown>>>> = {
  // 12.5% for Redis: maxmemory 51 MiB still queues ≈ 50,000 messages of 1 KiB; the rest goes to workers.
  "1GiB": { host: { memory: "1GiB", cpus: 1 }, redis: { memory: "128MiB" }, workers: [demoPool] },
  "2GiB": { host: { memory: "2GiB", cpus: 2 }, workers: [demoPool] },
  "4GiB": { host: { memory: "4GiB", cpus: 2 }, workers: [demoPool], monitoring: { enabled: true } },
  "8GiB": { host: { memory: "8GiB", cpus: 4 }, workers: [demoPool], monitoring: { enabled: true } },
};
