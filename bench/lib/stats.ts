import type { CpuUsage } from "./sys";

export type RunRecord = {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Requests sent without a usable token or challenge (the seeded pool ran dry). */
  starved: number;
  /** Responses other than the expected 200 with a usable body. */
  unexpected: number;
  cpu: CpuUsage;
  /** Other work on the machine during the run, in cores (see sys.ts). */
  othersCores: number;
  loadAverage: string;
  disturbed: boolean;
  attempts: number;
  /** process.hrtime() microseconds at the start and end of the load. */
  windowUs: [number, number];
};

export type ScenarioResult = {
  id: string;
  label: string;
  endpoint: string;
  build: string;
  store: string;
  warmup: RunRecord;
  runs: RunRecord[];
  median: { rps: number; p50: number; p99: number };
};

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The run whose rps is the median one (its CPU figures describe a typical run). */
export function medianRun(runs: RunRecord[]): RunRecord | undefined {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
