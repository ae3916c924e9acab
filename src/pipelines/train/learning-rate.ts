/** The learning rate at an iteration under a schedule (pure). */
import type { Schedule } from "../../dsl/index.js";

export function learningRate(base: number, schedule: Schedule, iteration: number): number {
  switch (schedule.kind) {
    case "constant": return base;
    case "multiStep": return base * schedule.gamma ** schedule.milestones.filter((m) => iteration >= m).length;
    case "cosineRestarts": {
      const t = (iteration % schedule.period) / schedule.period;
      return schedule.minLr + 0.5 * (base - schedule.minLr) * (1 + Math.cos(Math.PI * t));
    }
  }
}
