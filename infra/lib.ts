// The kit's public API (the npm package's entry, docs/library.md): re-exports only, so a key or component added
// in its own module reaches library users without a second list to keep in step.

// Config: a plain object (or the stack's `queuekit:*` keys) → a validated QueuekitConfig, or one ConfigError.
export { parseConfig, mergeOver } from "./config/parse";
export { readStackConfig, projectDir, type StackConfig } from "./config/pulumi";
export { configSchemaAt } from "./config/schema";
export { ConfigError, formatIssue, type ConfigIssue } from "./config/errors";
export { PRESET_NAMES, PRESETS, isPresetName, type PresetName } from "./config/presets";
export { parseSize, formatSize, GiB, MiB, KiB } from "./config/units";
export { SIDE_NAMES, type SideConfigs, type SideName } from "./config/sides";
export type * from "./config/types";
export type * from "./config/monitoring";
export type * from "./config/beat";
export type * from "./config/flower";
export type { AppEnvConfig, AppSecretRef, SecretDelivery } from "./config/appEnv";
export type { HostsConfig, NamedHostConfig, Placement } from "./config/hosts";
export type { ImageBuild, RegistryConfig } from "./config/images";

// Plan: a QueuekitConfig → every container's memory in bytes, or one PlanError when it does not fit.
export { planMemory, defaultReserve, MAXMEMORY_RATIO } from "./plan/planner";
export { PlanError, type PlanItem, type PlanLimit } from "./plan/errors";
export { renderPlanTable } from "./plan/planTable";
export { renderPlanSvg } from "./plan/planSvg";
export { planHosts, firstReplicaOf, renderHostsTable, renderHostsSvg, type HostPlan } from "./plan/hosts";
export {
  growthOf,
  renderGrowthTable,
  NOMINAL_MESSAGE_BYTES,
  type Growth,
  type GrowthLimit,
  type GrowthLimitName,
  type MeasuredLoad,
} from "./plan/grow";
export type * from "./plan/types";

// Components: each takes its part of the config and of the plan (infra/index.ts wires them for the repo's stack).
export { VpsHost, LOCAL_DOCKER_HOST, type VpsHostArgs, type HostRunner } from "./components/vpsHost";
export { RedisBroker, REDIS_ALIAS, type RedisBrokerArgs } from "./components/redisBroker";
export { redisTlsMaterial, tlsSubjectAltNames, type RedisTlsMaterial } from "./components/redisTls";
export { WorkerPool, type WorkerPoolArgs } from "./components/workerPool";
export { SwarmPool, type SwarmPoolArgs, swarmTaskSpec } from "./components/swarmPool";
export { Monitoring, type MonitoringArgs } from "./components/monitoring";
export { Prometheus, type PrometheusArgs } from "./components/prometheus";
export { Beat, type BeatArgs } from "./components/beat";
export { Flower, type FlowerArgs } from "./components/flower";
export { WorkerHost, type WorkerHostArgs } from "./components/workerHost";
export { dockerEngine, brokerUrlAt } from "./components/engine";
export { appImages } from "./components/appImages";
export { AppImage, type AppImageArgs } from "./components/appImage";
export { kitLabels } from "./components/common";
export type { DockerOptions, StepName } from "./render/host/types";
