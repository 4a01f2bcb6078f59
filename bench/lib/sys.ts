/**
 * The machine, and where its CPU went during a run.
 *
 * CPU time is read from /proc before and after each measured run: per process (utime + stime),
 * and for the whole machine (/proc/stat). Every process is classified (the app, the Upstash stand-in,
 * the raw-pg server, this load generator, Postgres backends of the benchmark database, Postgres
 * background processes, Redis); whatever else ran is "others", the measure of disturbance by other
 * work on the machine (other people's tests).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";
import { Redis } from "ioredis";

export type MachineInfo = {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  redis: string;
  loadAverage: string;
};

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
}

export async function machineInfo(databaseUrl: string, redisUrl: string): Promise<MachineInfo> {
  const model = /Model name:\s*(.+)/.exec(sh("lscpu", []))?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const pgVersion = (await client.query<{ v: string }>("SELECT version() AS v")).rows[0]?.v ?? "unknown";
  await client.end();
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const info = await redis.info("server");
  redis.disconnect();
  return {
    cpus: Number(sh("nproc", [])) || os.availableParallelism(),
    cpuModel: model,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: pgVersion.replace(/ on .*$/, ""),
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
    loadAverage: loadAverage(),
  };
}

const TICKS_PER_SECOND = Number(sh("getconf", ["CLK_TCK"])) || 100;

/** utime + stime of one process, in clock ticks; undefined when it is gone. */
function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command: state(0) ppid(1) ... utime(11) stime(12)
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

function systemTicks(): { busy: number; total: number; steal: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait, steal };
}

export type CpuGroups = Record<string, number[]>;

export type CpuSnapshot = { at: number; perPid: Map<number, number>; system: { busy: number; total: number; steal: number }; self: NodeJS.CpuUsage };

export type CpuUsage = {
  seconds: number;
  /** CPU seconds used per group during the run. */
  groups: Record<string, number>;
  /** Everything else that ran on the machine (other people's work, interrupts not charged to a process). */
  others: number;
  /** Machine-wide busy CPU seconds, and the share of capacity that was busy. */
  busy: number;
  busyShare: number;
  steal: number;
};

/**
 * Classifies processes into groups. `roots` are processes started by the benchmark (each counted
 * with its descendants); `postgres` is asked which backends serve the benchmark database.
 */
export class CpuAccountant {
  constructor(
    private readonly roots: () => Record<string, number | undefined>,
    private readonly pgClient: pg.Client,
    private readonly benchDatabase: string,
    private readonly redisPid: number | undefined,
  ) {}

  snapshot(): CpuSnapshot {
    const perPid = new Map<number, number>();
    for (const pid of allPids()) {
      const t = processTicks(pid);
      if (t !== undefined) perPid.set(pid, t);
    }
    return { at: performance.now(), perPid, system: systemTicks(), self: process.cpuUsage() };
  }

  private async classify(): Promise<Map<number, string>> {
    const groupOf = new Map<number, string>();
    const rootGroups = this.roots();
    const pids = allPids();
    const parents = new Map(pids.map((p) => [p, parentOf(p)]));
    for (const [group, root] of Object.entries(rootGroups)) {
      if (!root) continue;
      for (const pid of pids) {
        // Walk up to see whether this process descends from the root.
        let cur: number | undefined = pid;
        for (let depth = 0; cur && depth < 20; depth++) {
          if (cur === root) {
            groupOf.set(pid, group);
            break;
          }
          cur = parents.get(cur);
        }
      }
    }
    const { rows } = await this.pgClient.query<{ pid: number; datname: string | null; backend_type: string }>(
      "SELECT pid, datname, backend_type FROM pg_stat_activity",
    );
    for (const r of rows) {
      if (r.datname === this.benchDatabase) groupOf.set(r.pid, "postgres (bench database)");
      else if (r.backend_type !== "client backend" && r.datname === null) groupOf.set(r.pid, "postgres (background)");
    }
    if (this.redisPid) groupOf.set(this.redisPid, "redis-server");
    groupOf.set(process.pid, "load generator");
    return groupOf;
  }

  /** Call at the start of a run, then `finish` with the result at its end. */
  async begin(): Promise<{ finish: () => Promise<CpuUsage> }> {
    const start = this.snapshot();
    return {
      finish: async () => {
        const end = this.snapshot();
        const groupOf = await this.classify();
        const seconds = (end.at - start.at) / 1000;
        const groups: Record<string, number> = {};
        let attributed = 0;
        for (const [pid, ticks] of end.perPid) {
          const group = groupOf.get(pid);
          if (!group || group === "load generator") continue;
          const delta = (ticks - (start.perPid.get(pid) ?? 0)) / TICKS_PER_SECOND;
          groups[group] = (groups[group] ?? 0) + delta;
          attributed += delta;
        }
        const self = (end.self.user - start.self.user + end.self.system - start.self.system) / 1e6;
        groups["load generator"] = self;
        attributed += self;
        const busy = (end.system.busy - start.system.busy) / TICKS_PER_SECOND;
        const total = (end.system.total - start.system.total) / TICKS_PER_SECOND;
        return {
          seconds,
          groups,
          others: Math.max(0, busy - attributed),
          busy,
          busyShare: total > 0 ? busy / total : 0,
          steal: (end.system.steal - start.system.steal) / TICKS_PER_SECOND,
        };
      },
    };
  }
}

/** HEAD, and the tracked files changed in the working tree (bench/ and package.json aside). */
export function gitDescription(root: string): string {
  const head = sh("git", ["-C", root, "rev-parse", "--short", "HEAD"]) || "unknown";
  let porcelain = "";
  try {
    porcelain = execFileSync("git", ["-C", root, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    // not a git checkout
  }
  const changed = porcelain
    .split("\n")
    .map((l) => l.slice(3).trim())
    .filter((f) => f && !f.startsWith("bench/") && f !== "package.json");
  if (changed.length === 0) return head;
  return `${head} with uncommitted changes to ${changed.length > 6 ? `${changed.length} files` : changed.join(", ")}`;
}
