/**
 * `npm run bench`: autocannon against the production server (scripts/start.ts, as `npm start`) with
 * Postgres and the local Upstash endpoint on Redis. See docs/BENCHMARKS.md for the method and the
 * latest figures; this prints the table and writes bench/results/latest.md (and latest.json).
 *
 * Measures, at 50 connections, median of several runs after a warm-up:
 *   (a) POST /api/auth/refresh, refresh-token rotation (chained tokens, body transport)
 *   (b) POST /api/auth/otp/verify, successful verification of pre-seeded challenges
 *   (c) GET /api/auth/me with the full middleware, and the same route with no middleware (a second
 *       build of the same snapshot without middleware.ts), with the Upstash store and the memory store
 *   (d) the rotation transaction in raw `pg` behind node:http (bench/ceiling-server.ts): the ceiling
 * Paired scenarios run interleaved (A, B, A, B, ...), so a change in the machine's load hits both.
 * A run during which other processes used more than --max-others cores is repeated (twice at most).
 * For each missed target the server is run again with --cpu-prof and the profile summarised.
 *
 * Options: --runs 3 --duration 10 --warmup 5 --connections 50 --max-others 0.3
 *          --reuse-builds   use the builds already in BENCH_WORK_DIR (default /tmp/clinicauth-bench)
 *          --profile auto|all|none   (auto: only for missed targets)
 *          --only refresh,verify,me,memory   (a subset of the groups; the default runs all)
 * Needs Postgres (TEST_DATABASE_SERVER, default postgresql://postgres@127.0.0.1:5432/postgres) and
 * Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/9: a database of its own, keys expire).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { Redis } from "ioredis";
import { createTestDatabase } from "../tests/support/test-db";
import { generateSigningJwk } from "../lib/auth/keys";
import { buildVariant, snapshotTree, type Build, type Variant } from "./lib/builds";
import { freePort, newestProfile, startService, type Service } from "./lib/processes";
import { summariseProfile, type ProfileSummary } from "./lib/profile";
import { Seeder } from "./lib/seed";
import { median, type RunRecord, type ScenarioResult } from "./lib/stats";
import { CpuAccountant, gitDescription, loadAverage, machineInfo } from "./lib/sys";
import { accessSigner, otpVerifications, refreshChains, staticJsonPost, whoAmI, type Workload } from "./lib/workloads";
import { renderReport, type ProfileReport, type Target } from "./lib/report";

const ROOT = path.resolve(__dirname, "..");
const ISSUER = "https://clinicauth-bench.invalid";
const AUDIENCE = "clinicauth";
const ME_PEOPLE = 1000;

type Options = {
  runs: number;
  duration: number;
  warmup: number;
  connections: number;
  maxOthers: number;
  reuseBuilds: boolean;
  profile: "auto" | "all" | "none";
  only: Set<string>;
};

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const profile = value("profile") ?? "auto";
  if (!["auto", "all", "none"].includes(profile)) throw new Error("--profile is auto, all or none");
  return {
    runs: Number(value("runs") ?? 3),
    duration: Number(value("duration") ?? 10),
    warmup: Number(value("warmup") ?? 5),
    connections: Number(value("connections") ?? 50),
    maxOthers: Number(value("max-others") ?? 0.3),
    reuseBuilds: argv.includes("--reuse-builds"),
    profile: profile as Options["profile"],
    only: new Set((value("only") ?? "refresh,verify,me,memory").split(",")),
  };
}

const hrUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** A measured thing: a workload against a service. */
type Scenario = {
  id: string;
  label: string;
  endpoint: string;
  build: string;
  store: string;
  service: Service;
  workload: Workload;
  /** requests per second seen last, to size the seeding of the next run */
  lastRps: number;
};

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  process.chdir(ROOT);
  const workDir = process.env.BENCH_WORK_DIR ?? "/tmp/clinicauth-bench";
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const runDir = path.join(workDir, `run-${stamp}`);
  mkdirSync(runDir, { recursive: true });
  const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/9";
  const services: Service[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of services.splice(0)) await s.stop().catch(() => undefined);
  };
  let interrupted = false;
  process.once("SIGINT", () => {
    interrupted = true;
    log("interrupted; stopping the servers and dropping the database");
    void (async () => {
      await stopAll();
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
      process.exit(130);
    })();
  });

  // --- Builds -------------------------------------------------------------------------------
  const tree = gitDescription(ROOT);
  log(`snapshot of the working tree (${tree}) into ${workDir}`);
  const snapshot = opts.reuseBuilds ? path.join(workDir, "snapshot") : snapshotTree(ROOT, workDir);
  const builds = new Map<Variant, Build>();
  const build = async (variant: Variant) => {
    let b = builds.get(variant);
    if (!b) {
      log(`building "${variant}"${opts.reuseBuilds ? " (reused if present)" : ""} ...`);
      b = await buildVariant(ROOT, snapshot, workDir, variant, opts.reuseBuilds);
      log(`  "${variant}" ready (${b.seconds ? `${b.seconds.toFixed(0)} s` : "reused"}, build ${b.buildId})`);
      builds.set(variant, b);
    }
    return b;
  };
  await build("full");
  await build("bypass");

  // --- Database, Redis, the Upstash endpoint ---------------------------------------------------
  log("creating and migrating a fresh database");
  const database = await createTestDatabase("clinicauth_bench");
  cleanups.push(database.drop);
  const benchDbName = new URL(database.url).pathname.slice(1);
  const machine = await machineInfo(database.url, redisUrl);
  const loadAtStart = loadAverage();
  log(`machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${loadAtStart}`);

  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info("server"))?.[1]) || undefined;
  redis.disconnect();

  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  cleanups.push(() => pool.end());
  const monitor = new pg.Client({ connectionString: database.url });
  await monitor.connect();
  cleanups.push(() => monitor.end());

  const otpSecret = randomBytes(32).toString("base64url");
  const jwk = await generateSigningJwk("ES256");
  const seeder = new Seeder(pool, otpSecret);
  const logDir = path.join(runDir, "logs");

  const upstashToken = randomBytes(24).toString("base64url");
  const upstashPort = await freePort();
  const upstashLocal = await startService({
    name: "upstash-local",
    cwd: ROOT,
    script: "scripts/upstash-local.ts",
    env: { ...baseEnv(), UPSTASH_LOCAL_PORT: String(upstashPort), UPSTASH_LOCAL_TOKEN: upstashToken, REDIS_URL: redisUrl },
    logDir,
    healthPath: "/health",
    port: upstashPort,
  });
  cleanups.push(() => upstashLocal.stop());

  const roots: Record<string, number | undefined> = { "upstash-local": upstashLocal.pid };
  const accountant = new CpuAccountant(() => roots, monitor, benchDbName, redisPid);

  const appEnv = (port: number, store: "upstash" | "memory"): Record<string, string> => ({
    ...baseEnv(),
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    HOST: "127.0.0.1",
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    JWT_PRIVATE_JWKS: JSON.stringify({ keys: [jwk] }),
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    OTP_SECRET: otpSecret,
    METRICS_TOKEN: randomBytes(16).toString("hex"),
    DATABASE_URL: database.url,
    TRUST_PROXY: "1",
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
    ...(store === "upstash"
      ? { UPSTASH_REDIS_REST_URL: upstashLocal.url, UPSTASH_REDIS_REST_TOKEN: upstashToken, RATE_LIMIT_STORE: "upstash" }
      : { RATE_LIMIT_STORE: "memory" }),
  });

  const startApp = async (variant: Variant, store: "upstash" | "memory", profileDir?: string) => {
    const b = await build(variant);
    const port = await freePort();
    const name = `app-${variant}-${store}${profileDir ? "-profiled" : ""}`;
    const s = await startService({ name, cwd: b.dir, script: "scripts/start.ts", env: appEnv(port, store), logDir, healthPath: "/api/health", port, profileDir });
    services.push(s);
    roots[name] = s.pid;
    return s;
  };
  const startCeiling = async (profileDir?: string) => {
    const port = await freePort();
    const name = `raw-pg-ceiling${profileDir ? "-profiled" : ""}`;
    const s = await startService({
      name,
      cwd: ROOT,
      script: "bench/ceiling-server.ts",
      env: { ...baseEnv(), PORT: String(port), DATABASE_URL: database.url, JWT_PRIVATE_JWKS: JSON.stringify({ keys: [jwk] }), JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE },
      logDir,
      healthPath: "/health",
      port,
      profileDir,
    });
    services.push(s);
    roots[name] = s.pid;
    return s;
  };
  const stopService = async (s: Service) => {
    await s.stop();
    services.splice(services.indexOf(s), 1);
    for (const [k, v] of Object.entries(roots)) if (v === s.pid) delete roots[k];
  };

  const signer = await accessSigner(jwk, ISSUER, AUDIENCE, 600);
  const meSessions = await seeder.sessions(ME_PEOPLE, "me");

  // --- Measuring -------------------------------------------------------------------------------
  /** Waits (up to a minute) until other work on the machine uses at most --max-others cores. */
  const waitForQuiet = async () => {
    const deadline = Date.now() + 60_000;
    let told = false;
    for (;;) {
      const sample = await accountant.begin();
      await sleep(1500);
      const u = await sample.finish();
      const others = u.others / u.seconds;
      if (others <= opts.maxOthers) return;
      if (Date.now() > deadline) {
        log(`  other work still uses ${others.toFixed(2)} cores; running anyway`);
        return;
      }
      if (!told) log(`  waiting for other work on the machine to settle (${others.toFixed(2)} cores)`);
      told = true;
    }
  };

  const once = async (s: Scenario, seconds: number): Promise<RunRecord> => {
    let best: RunRecord | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const expected = Math.ceil(Math.max(s.lastRps, 200) * seconds * 1.5) + 1000;
      const requests = await s.workload.prepare(expected);
      if (seconds >= opts.duration) await waitForQuiet();
      else await sleep(500);
      const loadBefore = loadAverage();
      const cpu = await accountant.begin();
      const t0 = hrUs();
      const r = await autocannon({ url: s.service.url, connections: opts.connections, duration: seconds, timeout: 10, requests });
      const t1 = hrUs();
      const usage = await cpu.finish();
      const stats = s.workload.stats();
      const othersCores = usage.others / usage.seconds;
      const record: RunRecord = {
        rps: r.requests.total / ((t1 - t0) / 1e6),
        p50: r.latency.p50,
        p99: r.latency.p99,
        requests: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
        starved: stats.starved,
        unexpected: stats.unexpected,
        cpu: usage,
        othersCores,
        loadAverage: loadBefore,
        disturbed: othersCores > opts.maxOthers,
        attempts: attempt,
        windowUs: [t0, t1],
      };
      s.lastRps = record.rps;
      const problems = [
        record.non2xx ? `${record.non2xx} non-2xx ${JSON.stringify(record.statusCodes)}` : "",
        record.errors ? `${record.errors} errors` : "",
        record.starved ? `${record.starved} starved` : "",
      ].filter(Boolean);
      log(
        `  ${s.id.padEnd(26)} ${record.rps.toFixed(0).padStart(6)} req/s  p50 ${record.p50.toFixed(1)} ms  p99 ${record.p99.toFixed(1)} ms` +
          `  others ${othersCores.toFixed(2)} cores${record.disturbed ? " DISTURBED" : ""}${problems.length ? `  ${problems.join(", ")}` : ""}`,
      );
      if (!best || record.othersCores < best.othersCores) best = { ...record, attempts: attempt };
      if (!record.disturbed || seconds < opts.duration) break;
      if (attempt < 3) log(`  other work used ${othersCores.toFixed(2)} cores during that run; running it again`);
      await sleep(3000);
    }
    return best!;
  };

  const measure = async (group: Scenario[]): Promise<ScenarioResult[]> => {
    const warmups = new Map<string, RunRecord>();
    for (const s of group) {
      log(`warm-up ${s.id} (${opts.warmup} s)`);
      warmups.set(s.id, await once(s, opts.warmup));
    }
    const runs = new Map<string, RunRecord[]>(group.map((s) => [s.id, []]));
    for (let i = 1; i <= opts.runs; i++) {
      log(`run ${i}/${opts.runs} (${opts.duration} s each)`);
      for (const s of group) runs.get(s.id)!.push(await once(s, opts.duration));
    }
    return group.map((s) => {
      const rs = runs.get(s.id)!;
      return {
        id: s.id,
        label: s.label,
        endpoint: s.endpoint,
        build: s.build,
        store: s.store,
        warmup: warmups.get(s.id)!,
        runs: rs,
        median: { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) },
      };
    });
  };

  const scenario = (id: string, label: string, endpoint: string, build: string, store: string, service: Service, workload: Workload): Scenario => ({
    id,
    label,
    endpoint,
    build,
    store,
    service,
    workload,
    lastRps: 1000,
  });

  const results: ScenarioResult[] = [];
  const c = opts.connections;
  try {
    if (opts.only.has("refresh") || opts.only.has("verify") || opts.only.has("me")) {
      log("starting the app (full build, Upstash store), the app without middleware, the raw-pg server");
      const fullUp = await startApp("full", "upstash");
      const bypassUp = opts.only.has("me") ? await startApp("bypass", "upstash") : undefined;
      if (opts.only.has("refresh")) {
        const ceiling = await startCeiling();
        const floor = await startApp("floor", "memory");
        results.push(
          ...(await measure([
            scenario("refresh", "Refresh rotation", "POST /api/auth/refresh", "full", "upstash", fullUp, refreshChains(seeder, "/api/auth/refresh", c)),
            scenario("ceiling", "Raw-pg rotation + ES256 signing (ceiling)", "POST /rotate (bench/ceiling-server.ts)", "raw pg", "none", ceiling, refreshChains(seeder, "/rotate", c)),
            scenario("ceiling-tx", "Raw-pg rotation transaction only", "POST /rotate-tx (bench/ceiling-server.ts)", "raw pg", "none", ceiling, refreshChains(seeder, "/rotate-tx", c)),
            scenario("floor", "Next.js floor: empty JSON route, no middleware", "POST /api/bench-floor (scratch build only)", "floor", "none", floor, staticJsonPost("/api/bench-floor")),
          ])),
        );
        await stopService(ceiling);
        await stopService(floor);
      }
      if (opts.only.has("verify")) {
        results.push(...(await measure([scenario("verify", "OTP verification (success)", "POST /api/auth/otp/verify", "full", "upstash", fullUp, otpVerifications(seeder))])));
      }
      if (opts.only.has("me") && bypassUp) {
        results.push(
          ...(await measure([
            scenario("me-full-upstash", "Protected GET, full middleware", "GET /api/auth/me", "full", "upstash", fullUp, whoAmI(meSessions, signer)),
            scenario("me-bypass-upstash", "Protected GET, middleware bypassed", "GET /api/auth/me", "no middleware", "upstash", bypassUp, whoAmI(meSessions, signer)),
          ])),
        );
      }
      await stopAll();
    }
    if (opts.only.has("memory")) {
      log("starting the app and the app without middleware with RATE_LIMIT_STORE=memory");
      const fullMem = await startApp("full", "memory");
      const bypassMem = await startApp("bypass", "memory");
      results.push(
        ...(await measure([
          scenario("me-full-memory", "Protected GET, full middleware", "GET /api/auth/me", "full", "memory", fullMem, whoAmI(meSessions, signer)),
          scenario("me-bypass-memory", "Protected GET, middleware bypassed", "GET /api/auth/me", "no middleware", "memory", bypassMem, whoAmI(meSessions, signer)),
        ])),
      );
      results.push(
        ...(await measure([
          scenario("refresh-memory", "Refresh rotation", "POST /api/auth/refresh", "full", "memory", fullMem, refreshChains(seeder, "/api/auth/refresh", c)),
          scenario("verify-memory", "OTP verification (success)", "POST /api/auth/otp/verify", "full", "memory", fullMem, otpVerifications(seeder)),
        ])),
      );
      await stopAll();
    }
    const loadAtEnd = loadAverage();

    // --- Targets ---------------------------------------------------------------------------------
    const byId = new Map(results.map((r) => [r.id, r]));
    const ratio = (a: string, b: string) => {
      const x = byId.get(a);
      const y = byId.get(b);
      return x && y ? x.median.rps / y.median.rps : undefined;
    };
    const targets: Target[] = [];
    const rr = ratio("refresh", "ceiling");
    if (rr !== undefined) targets.push({ id: "refresh-ceiling", text: "Refresh rotation >= 50% of the raw-pg ceiling (rotation + signing)", value: `${(rr * 100).toFixed(0)}%`, met: rr >= 0.5, profiles: ["refresh", "ceiling", "floor"] });
    const rt = ratio("refresh", "ceiling-tx");
    if (rt !== undefined) targets.push({ id: "refresh-ceiling-tx", text: "(also) Refresh rotation vs the transaction alone, no signing", value: `${(rt * 100).toFixed(0)}%`, met: rt >= 0.5, profiles: ["refresh", "ceiling"], informational: true });
    const mu = ratio("me-full-upstash", "me-bypass-upstash");
    if (mu !== undefined) targets.push({ id: "mw-upstash", text: "Full middleware keeps >= 60% of the bypassed throughput (Upstash store)", value: `${(mu * 100).toFixed(0)}%`, met: mu >= 0.6, profiles: ["me-full-upstash", "me-bypass-upstash"] });
    const mm = ratio("me-full-memory", "me-bypass-memory");
    if (mm !== undefined) targets.push({ id: "mw-memory", text: "Full middleware keeps >= 85% of the bypassed throughput (memory store)", value: `${(mm * 100).toFixed(0)}%`, met: mm >= 0.85, profiles: ["me-full-memory", "me-bypass-memory"] });
    for (const r of results) {
      if (r.build === "raw pg" || r.build === "floor") continue;
      targets.push({
        id: `p99-${r.id}`,
        text: `p99 < 100 ms at ${c} connections: ${r.endpoint} (${r.build}, ${r.store})`,
        value: `${r.median.p99.toFixed(1)} ms`,
        met: r.median.p99 < 100,
        profiles: [r.id],
        informational: r.build === "no middleware",
      });
    }

    // --- Profiles --------------------------------------------------------------------------------
    const profiles: ProfileReport[] = [];
    const wanted = new Set<string>();
    if (opts.profile === "all") for (const r of results) wanted.add(r.id);
    if (opts.profile === "auto") for (const t of targets) if (!t.met && !t.informational) for (const p of t.profiles) wanted.add(p);
    const plans: Record<string, { variant: Variant | "ceiling"; store: "upstash" | "memory"; workload: () => Workload }> = {
      refresh: { variant: "full-prof", store: "upstash", workload: () => refreshChains(seeder, "/api/auth/refresh", c) },
      ceiling: { variant: "ceiling", store: "upstash", workload: () => refreshChains(seeder, "/rotate", c) },
      "ceiling-tx": { variant: "ceiling", store: "upstash", workload: () => refreshChains(seeder, "/rotate-tx", c) },
      floor: { variant: "floor", store: "memory", workload: () => staticJsonPost("/api/bench-floor") },
      verify: { variant: "full-prof", store: "upstash", workload: () => otpVerifications(seeder) },
      "me-full-upstash": { variant: "full-prof", store: "upstash", workload: () => whoAmI(meSessions, signer) },
      "me-bypass-upstash": { variant: "bypass-prof", store: "upstash", workload: () => whoAmI(meSessions, signer) },
      "me-full-memory": { variant: "full-prof", store: "memory", workload: () => whoAmI(meSessions, signer) },
      "me-bypass-memory": { variant: "bypass-prof", store: "memory", workload: () => whoAmI(meSessions, signer) },
      "refresh-memory": { variant: "full-prof", store: "memory", workload: () => refreshChains(seeder, "/api/auth/refresh", c) },
      "verify-memory": { variant: "full-prof", store: "memory", workload: () => otpVerifications(seeder) },
    };
    for (const id of [...wanted].filter((w) => plans[w])) {
      if (interrupted) break;
      const plan = plans[id]!;
      const profileDir = path.join(runDir, "profiles", id);
      log(`profiling ${id} (${plan.variant}, ${plan.store}): ${opts.warmup} s warm-up, ${opts.duration} s profiled`);
      const service = plan.variant === "ceiling" ? await startCeiling(profileDir) : await startApp(plan.variant, plan.store, profileDir);
      const measured = byId.get(id);
      const s = scenario(`${id} (profiled)`, id, measured?.endpoint ?? id, plan.variant, plan.store, service, plan.workload());
      s.lastRps = measured?.median.rps ?? 1000;
      await once(s, opts.warmup);
      const run = await once(s, opts.duration);
      await stopService(service);
      const file = newestProfile(profileDir);
      if (!file) {
        log(`  no profile written for ${id}`);
        continue;
      }
      const summary: ProfileSummary = summariseProfile(file, run.windowUs[0], run.windowUs[1], run.requests);
      profiles.push({ id, file, rps: run.rps, windowUs: run.windowUs, requests: run.requests, summary, cpu: run.cpu });
    }

    // --- Report ----------------------------------------------------------------------------------
    const report = renderReport({
      date: new Date().toISOString(),
      tree,
      machine,
      loadAtStart,
      loadAtEnd,
      options: { runs: opts.runs, duration: opts.duration, warmup: opts.warmup, connections: c, maxOthers: opts.maxOthers, mePeople: ME_PEOPLE },
      builds: [...builds.values()],
      results,
      targets,
      profiles,
      runDir,
    });
    const resultsDir = path.join(ROOT, "bench", "results");
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, "latest.md"), report);
    writeFileSync(
      path.join(resultsDir, "latest.json"),
      JSON.stringify({ date: new Date().toISOString(), machine, tree, loadAtStart, loadAtEnd, options: { ...opts, only: [...opts.only] }, results, targets, profiles }, null, 2),
    );
    console.log(`\n${report}`);
    log(`written bench/results/latest.md and latest.json; logs and profiles in ${runDir}`);
  } finally {
    await stopAll();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  }
}

/** The environment the child processes inherit: enough to run Node, nothing of the caller's app settings. */
function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "USER"];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
