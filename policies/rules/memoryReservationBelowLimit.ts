import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { formatBytes } from "../lib/parse/sizes";
import { CONTAINER_TYPES, extractionOf, where } from "../lib/ruleKit/subjects";
import { isKnown } from "../lib/parse/propertyValues";

export const memoryReservationBelowLimit = resourceRule<{ maxRatio: number }>(
  {
    name: "memory-reservation-below-limit",
    description: "A memory reservation (soft limit) is below the container's hard limit.",
    config: {
      maxRatio: {
        type: "number",
        exclusiveMinimum: 0,
        maximum: 1,
        default: 1,
        description:
          "Reservation allowed as a share of the hard limit; the reservation must be strictly below limit × maxRatio.",
      },
    },
    enforcementLevel: "advisory",
    severity: "low",
    remediation:
      "Set memoryReservation (`--memory-reservation`, compose `mem_reservation` / `deploy.resources.reservations.memory`) below the memory limit, or drop it. Docker refuses a reservation at or above the limit, and a reservation does nothing without a hard limit.",
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    const { maxRatio } = ctx.config;
    const ex = await extractionOf(r);
    const items = [
      ...ex.containers.map((c) => ({
        at: where(c),
        memory: c.memory,
        reservation: c.memoryReservation,
        update: false,
      })),
      // `docker update --memory-reservation` alone keeps the container's existing limit.
      ...ex.updates.map((u) => ({ at: u.origin, memory: u.memory, reservation: u.memoryReservation, update: true })),
    ];
    for (const { at, memory, reservation, update } of items) {
      if (update && memory === undefined) continue;
      if (reservation === undefined) continue;
      if (reportedUnknown(ctx, reservation, `${at}: the memory reservation`)) continue;
      if (reportedUnknown(ctx, memory, `${at}: the memory limit`)) continue;
      if (!isKnown(memory)) {
        ctx.violation(
          `${at}: a memory reservation of ${formatBytes(reservation)} without a hard limit bounds nothing.`,
        );
      } else if (reservation >= memory * maxRatio) {
        ctx.violation(
          `${at}: memory reservation ${formatBytes(reservation)} is not below ${maxRatio === 1 ? "the limit" : `${maxRatio} × the limit`} (${formatBytes(memory)}).`,
        );
      }
    }
  },
);
