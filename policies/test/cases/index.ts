import {
  containerReadOnlyRootCases,
  containerCapabilitiesDroppedCases,
  containerNoNewPrivilegesCases,
  containerPidsLimitCases,
  containerCpuWeightCases,
  containerNonRootUserCases,
} from "./containerHardening";
import { celeryPoolFlagsConsistentCases } from "./celeryPoolFlagsConsistent";
import { celeryWorkerRecyclingCases } from "./celeryWorkerRecycling";
import { celeryWorkerWithinContainerCases } from "./celeryWorkerWithinContainer";
import { containerCapabilitiesRestrictedCases } from "./containerCapabilitiesRestricted";
import { containerHealthcheckCases } from "./containerHealthcheck";
import { containerLogRotationCases } from "./containerLogRotation";
import { containerMemoryLimitCases } from "./containerMemoryLimit";
import { containerNoPrivilegedCases } from "./containerNoPrivileged";
import { containerRestartPolicyCases } from "./containerRestartPolicy";
import { containerSwapBoundedCases } from "./containerSwapBounded";
import { hostMemoryBudgetCases } from "./hostMemoryBudget";
import { hostOvercommitForRedisCases } from "./hostOvercommitForRedis";
import { hostThpForRedisCases } from "./hostThpForRedis";
import { memoryReservationBelowLimitCases } from "./memoryReservationBelowLimit";
import { noExtremeOomScoreAdjCases } from "./noExtremeOomScoreAdj";
import { noOomKillDisableCases } from "./noOomKillDisable";
import { redisBrokerEvictionSafeCases } from "./redisBrokerEvictionSafe";
import { redisMaxmemorySetCases } from "./redisMaxmemorySet";
import { redisMaxmemoryWithinContainerCases } from "./redisMaxmemoryWithinContainer";
import { metricsNotPublicCases } from "./metricsNotPublic";
import { redisNotPublicCases } from "./redisNotPublic";
import { settingsInspectableCases } from "./settingsInspectable";
import { sshPrivateKeySecretCases } from "./sshPrivateKeySecret";
import type { RuleCases } from "./types";

/** Every rule's spec: a happy path first, then each violation. */
export const allCases: readonly RuleCases[] = [
  containerMemoryLimitCases,
  containerSwapBoundedCases,
  noOomKillDisableCases,
  noExtremeOomScoreAdjCases,
  memoryReservationBelowLimitCases,
  redisMaxmemorySetCases,
  redisMaxmemoryWithinContainerCases,
  redisBrokerEvictionSafeCases,
  redisNotPublicCases,
  metricsNotPublicCases,
  hostOvercommitForRedisCases,
  hostThpForRedisCases,
  hostMemoryBudgetCases,
  celeryWorkerRecyclingCases,
  celeryPoolFlagsConsistentCases,
  celeryWorkerWithinContainerCases,
  containerRestartPolicyCases,
  containerHealthcheckCases,
  containerNoPrivilegedCases,
  containerCapabilitiesRestrictedCases,
  containerLogRotationCases,
  containerReadOnlyRootCases,
  containerCapabilitiesDroppedCases,
  containerNoNewPrivilegesCases,
  containerPidsLimitCases,
  containerCpuWeightCases,
  containerNonRootUserCases,
  sshPrivateKeySecretCases,
  settingsInspectableCases,
];
