/**
 * The processes a benchmark runs: the app (scripts/start.ts, i.e. `npm start`, against one of the
 * builds), the local Upstash endpoint (scripts/upstash-local.ts), and the raw-pg ceiling server.
 * Each is a separate Node process, so none of them shares an event loop with the load generator.
 *
 * Like tests/e2e/support/app-server.ts (startApp), but with a working directory (the builds live in
 * scratch copies), Node flags (--cpu-prof), output to a log file instead of memory (hundreds of
 * thousands of request log lines), and a health probe that does not trip the per-IP limit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { freePort } from "../../tests/e2e/support/app-server";

export type Service = {
  name: string;
  url: string;
  pid: number;
  logFile: string;
  /** Where --cpu-prof writes, when profiling. */
  profileDir?: string;
  stop: () => Promise<void>;
};

type StartOptions = {
  name: string;
  cwd: string;
  script: string;
  env: Record<string, string>;
  logDir: string;
  healthPath: string;
  /** Port to listen on; the child is told through PORT (or the env the caller sets). */
  port: number;
  profileDir?: string;
};

let probeCounter = 0;

export async function startService(opts: StartOptions): Promise<Service> {
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = path.join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, "w");
  const nodeArgs = opts.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.profileDir}`] : [];
  if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "--import", "tsx", opts.script], {
    cwd: opts.cwd,
    env: opts.env as NodeJS.ProcessEnv,
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${opts.name} exited during start-up; see ${logFile}`);
    try {
      // A distinct forwarded address per probe: the apps run with TRUST_PROXY=1.
      probeCounter += 1;
      const res = await fetch(`${url}${opts.healthPath}`, { headers: { "x-forwarded-for": `192.0.2.${probeCounter % 250}` } });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      process.kill(-child.pid!, "SIGKILL");
      throw new Error(`${opts.name} did not become healthy in 90 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    name: opts.name,
    url,
    pid: child.pid!,
    logFile,
    profileDir: opts.profileDir,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      // A CPU profile is written on exit; give it time.
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    },
  };
}

export { freePort };

/**
 * The newest main-thread .cpuprofile in a directory (CPU.<date>.<time>.<pid>.<thread>.<seq>): tsx's
 * module hooks run on a loader thread of their own, which writes a profile too.
 */
export function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}
