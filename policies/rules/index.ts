// The pack's rules in the order the README lists them. Names are the public interface: never rename one.
import { celeryPoolFlagsConsistent } from "./celeryPoolFlagsConsistent";
import { celeryWorkerRecycling } from "./celeryWorkerRecycling";
import { celeryWorkerWithinContainer } from "./celeryWorkerWithinContainer";
import { containerCapabilitiesRestricted } from "./containerCapabilitiesRestricted";
import { containerReadOnlyRoot } from "./containerReadOnlyRoot";
import { containerCapabilitiesDropped } from "./containerCapabilitiesDropped";
import { containerNoNewPrivileges } from "./containerNoNewPrivileges";
import { containerPidsLimit } from "./containerPidsLimit";
import { containerCpuWeight } from "./containerCpuWeight";
import { containerNonRootUser } from "./containerNonRootUser";
import { containerHealthcheck } from "./containerHealthcheck";
import { containerLogRotation } from "./containerLogRotation";
import { containerMemoryLimit } from "./containerMemoryLimit";
import { containerNoPrivileged } from "./containerNoPrivileged";
import { containerRestartPolicy } from "./containerRestartPolicy";
import { containerSwapBounded } from "./containerSwapBounded";
import { hostMemoryBudget } from "./hostMemoryBudget";
import { hostOvercommitForRedis } from "./hostOvercommitForRedis";
import { hostThpForRedis } from "./hostThpForRedis";
import { memoryReservationBelowLimit } from "./memoryReservationBelowLimit";
import { metricsNotPublic } from "./metricsNotPublic";
import { noExtremeOomScoreAdj } from "./noExtremeOomScoreAdj";
import { noOomKillDisable } from "./noOomKillDisable";
import { redisBrokerEvictionSafe } from "./redisBrokerEvictionSafe";
import { redisMaxmemorySet } from "./redisMaxmemorySet";
import { redisMaxmemoryWithinContainer } from "./redisMaxmemoryWithinContainer";
import { redisNotPublic } from "./redisNotPublic";
import { settingsInspectable } from "./settingsInspectable";
import { sshPrivateKeySecret } from "./sshPrivateKeySecret";

export const rules = [
  containerMemoryLimit,
  containerSwapBounded,
  noOomKillDisable,
  noExtremeOomScoreAdj,
  memoryReservationBelowLimit,
  redisMaxmemorySet,
  redisMaxmemoryWithinContainer,
  redisBrokerEvictionSafe,
  redisNotPublic,
  metricsNotPublic,
  hostOvercommitForRedis,
  hostThpForRedis,
  hostMemoryBudget,
  celeryWorkerRecycling,
  celeryPoolFlagsConsistent,
  celeryWorkerWithinContainer,
  containerRestartPolicy,
  containerHealthcheck,
  containerNoPrivileged,
  containerCapabilitiesRestricted,
  containerLogRotation,
  containerReadOnlyRoot,
  containerCapabilitiesDropped,
  containerNoNewPrivileges,
  containerPidsLimit,
  containerCpuWeight,
  containerNonRootUser,
  sshPrivateKeySecret,
  settingsInspectable,
] as const;

export {
  containerReadOnlyRoot,
  containerCapabilitiesDropped,
  containerNoNewPrivileges,
  containerPidsLimit,
  containerCpuWeight,
  containerNonRootUser,
  celeryPoolFlagsConsistent,
  celeryWorkerRecycling,
  celeryWorkerWithinContainer,
  containerCapabilitiesRestricted,
  containerHealthcheck,
  containerLogRotation,
  containerMemoryLimit,
  containerNoPrivileged,
  containerRestartPolicy,
  containerSwapBounded,
  hostMemoryBudget,
  hostOvercommitForRedis,
  hostThpForRedis,
  memoryReservationBelowLimit,
  metricsNotPublic,
  noExtremeOomScoreAdj,
  noOomKillDisable,
  redisBrokerEvictionSafe,
  redisMaxmemorySet,
  redisMaxmemoryWithinContainer,
  redisNotPublic,
  settingsInspectable,
  sshPrivateKeySecret,
};
