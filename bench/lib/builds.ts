/**
 * The production builds the benchmark serves, made from one snapshot of the working tree in a
 * scratch directory (BENCH_WORK_DIR, default /tmp/clinicauth-bench), never in the shared tree:
 * `next build` with a non-default distDir rewrites tsconfig.json and next-env.d.ts, and other people
 * work in that tree.
 *
 *   full          the app as it is                                   (measured)
 *   bypass        the same snapshot without middleware.ts            (measured)
 *   full-prof     "full" with server source maps, names not mangled  (CPU profiles only)
 *   bypass-prof   "bypass" likewise                                  (CPU profiles only)
 *   floor         "bypass" plus one empty route, POST /api/bench-floor, that parses the JSON body and
 *                 answers JSON: what Next.js and the custom server cost before the app does anything
 *
 * The profiling builds differ only in what a profile can show (readable function names, a map back
 * to the source file); the measured figures always come from the plain production builds.
 */
import { execFileSync, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

export type Variant = "full" | "bypass" | "full-prof" | "bypass-prof" | "floor";

export type Build = { variant: Variant; dir: string; buildId: string; seconds: number };

const SNAPSHOT_EXCLUDES = [
  "/node_modules",
  "/.next*",
  "/.data",
  "/.git",
  "/.env",
  "/.env.*",
  "/test-results",
  "/playwright-report",
  // Not part of the app; tests/ also imports middleware.ts, which the bypass build does not have.
  "/tests",
  "/bench",
  "/tsconfig.tsbuildinfo",
];

export function snapshotTree(root: string, workDir: string): string {
  const snapshot = path.join(workDir, "snapshot");
  mkdirSync(snapshot, { recursive: true });
  execFileSync("rsync", ["-a", "--delete", ...SNAPSHOT_EXCLUDES.flatMap((e) => ["--exclude", e]), `${root}/`, `${snapshot}/`]);
  return snapshot;
}

async function run(cmd: string, args: string[], cwd: string, logFile: string): Promise<void> {
  const log = createWriteStream(logFile);
  const env: Record<string, string | undefined> = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  delete env.NEXT_DIST_DIR; // the default .next, inside the scratch copy
  const child = spawn(cmd, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  log.end();
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd} (exit ${code}); see ${logFile}`);
}

/** Copies the snapshot into the variant's directory and builds it there. */
export async function buildVariant(root: string, snapshot: string, workDir: string, variant: Variant, reuse: boolean): Promise<Build> {
  const dir = path.join(workDir, variant);
  const buildIdFile = path.join(dir, ".next", "BUILD_ID");
  if (reuse && existsSync(buildIdFile)) return { variant, dir, buildId: readFileSync(buildIdFile, "utf8").trim(), seconds: 0 };

  mkdirSync(dir, { recursive: true });
  execFileSync("rsync", ["-a", "--delete", "--exclude", "/node_modules", "--exclude", "/.next", `${snapshot}/`, `${dir}/`]);
  rmSync(path.join(dir, ".next"), { recursive: true, force: true });
  if (!existsSync(path.join(dir, "node_modules"))) symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  if (variant.startsWith("bypass") || variant === "floor") rmSync(path.join(dir, "middleware.ts"));
  if (variant === "floor") {
    mkdirSync(path.join(dir, "app", "api", "bench-floor"), { recursive: true });
    writeFileSync(
      path.join(dir, "app", "api", "bench-floor", "route.ts"),
      [
        "// Benchmark-only route (scratch build): the framework's own cost for a small JSON POST.",
        'export const dynamic = "force-dynamic";',
        "",
        "export async function POST(req: Request): Promise<Response> {",
        "  const body = (await req.json()) as { refreshToken?: string };",
        '  return Response.json({ ok: true, refreshToken: body.refreshToken ?? null }, { headers: { "cache-control": "no-store" } });',
        "}",
        "",
      ].join("\n"),
    );
  }
  const args = ["next", "build"];
  if (variant.endsWith("-prof")) {
    // Wrap the project's config rather than edit it: same config plus server source maps.
    renameSync(path.join(dir, "next.config.ts"), path.join(dir, "next.config.base.ts"));
    writeFileSync(
      path.join(dir, "next.config.ts"),
      [
        'import type { NextConfig } from "next";',
        'import base from "./next.config.base";',
        "const config: NextConfig = { ...base, experimental: { ...base.experimental, serverSourceMaps: true } };",
        "export default config;",
        "",
      ].join("\n"),
    );
    args.push("--no-mangling");
  }
  const started = performance.now();
  await run("npx", args, dir, path.join(workDir, `build-${variant}.log`));
  return { variant, dir, buildId: readFileSync(buildIdFile, "utf8").trim(), seconds: (performance.now() - started) / 1000 };
}
