export { runSimulation, faultKinds, type FaultKind, type SimulationOptions, type SimulationResult } from './simulation.ts';
export type * from './history.ts';
export { checkHistory } from './check-history.ts';
export { replayCommand, shrinkSimulation, type ShrinkResult } from './shrink.ts';
export { describeFaultReport, drawFaultRates, runFaultSchedule, scheduleFaultKinds, strikesAt, type FaultEvent, type FaultScheduleOptions, type FaultScheduleReport, type ScheduleFaultKind } from './fault-schedule.ts';
