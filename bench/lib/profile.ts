/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`): self time per function and per package,
 * restricted to the load window and divided by the requests served in it.
 *
 * V8 stamps samples with the monotonic clock that process.hrtime() reads, so the window is given
 * in hrtime microseconds. Functions in Next's server bundles are mapped back to their source file
 * (module path in node_modules, or the app's own file) through the bundles' source maps, which
 * only the profiling builds have (see builds.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

export type Row = { name: string; where: string; bucket: string; selfMs: number; share: number; perRequestUs: number };
export type ProfileSummary = {
  windowMs: number;
  requests: number;
  /** Main-thread time: busy (not idle) samples in the window. */
  busyMs: number;
  idleMs: number;
  functions: Row[];
  buckets: { bucket: string; selfMs: number; share: number; perRequestUs: number }[];
  layers: { layer: string; selfMs: number; share: number; perRequestUs: number }[];
  /**
   * Time with a part anywhere on the stack (each sample counted once per part). Only synchronous
   * stretches are seen: after an await, a continuation's stack starts again from the microtask queue.
   */
  inclusiveBuckets: { bucket: string; ms: number; share: number; perRequestUs: number }[];
  /** Likewise for the app's own functions (lib/, app/, middleware.ts). */
  inclusiveAppFunctions: { name: string; where: string; ms: number; share: number; perRequestUs: number }[];
};

const maps = new Map<string, SourceMap | null>();

function sourceMapFor(file: string): SourceMap | null {
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    let map: SourceMap | null = null;
    if (existsSync(mapFile)) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapFile, "utf8")) as ConstructorParameters<typeof SourceMap>[0]);
      } catch {
        map = null;
      }
    }
    maps.set(file, map);
  }
  return maps.get(file) ?? null;
}

function packageOf(p: string): string | undefined {
  const i = p.lastIndexOf("node_modules/");
  if (i < 0) return undefined;
  const parts = p.slice(i + "node_modules/".length).split("/");
  const name = parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  if (name === "next") {
    const compiled = /next\/dist\/compiled\/([^/]+)/.exec(p)?.[1];
    if (compiled === "next-server") return "next (server runtime)";
    if (compiled) return `next (bundled ${compiled})`;
    return "next";
  }
  return name;
}

function nodeBucket(url: string): string {
  const rest = url.replace(/^node:(internal\/)?/, "");
  if (rest.startsWith("deps/undici")) return "node: undici (Request, Response, Headers, fetch)";
  if (rest.startsWith("webstreams")) return "node: web streams";
  if (rest.startsWith("deps/")) return `node: ${rest.split("/")[1] ?? "deps"}`;
  const head = (rest.split("/")[0] ?? rest).replace(/^_/, "").replace(/\.js$/, "");
  if (/http/.test(head)) return "node: http";
  if (/stream/.test(head)) return "node: streams";
  return `node: ${head}`;
}

function appBucket(source: string): string {
  const p = source.replace(/^webpack:\/\/[^/]*\//, "").replace(/^\.\//, "");
  if (/^\?[0-9a-f]+$/.test(p)) return "next (generated route entry)";
  if (p.startsWith("external ")) return "next (webpack externals)";
  if (p.startsWith("webpack/")) return "next (webpack runtime)";
  if (p.startsWith("lib/")) return `app: ${p.split("/").slice(0, 2).join("/").replace(/\.ts$/, "")}`;
  if (p.startsWith("app/")) return "app: route handlers";
  if (p.startsWith("middleware")) return "app: middleware.ts";
  return `app: ${p}`;
}

/** Where a call frame's code comes from: a package, Node core, V8, or the app's own source. */
function locate(frame: CallFrame): { bucket: string; where: string } {
  const { url, functionName } = frame;
  if (!url) {
    if (/^\((garbage collector|program|idle|root)\)$/.test(functionName)) return { bucket: functionName, where: "" };
    if (functionName.startsWith("wasm-function")) return { bucket: "@prisma/client (query compiler, wasm)", where: "" };
    return { bucket: "V8 built-ins / native", where: "" };
  }
  if (url.startsWith("wasm://")) return { bucket: "@prisma/client (query compiler, wasm)", where: "" };
  if (url.startsWith("node:")) return { bucket: nodeBucket(url), where: `${url}:${frame.lineNumber + 1}` };
  const file = url.startsWith("file://") ? fileURLToPath(url) : url;
  const short = file.replace(/^.*\/(\.next\/server\/)/, "$1").replace(/^.*\/node_modules\//, "");
  if (file.includes("/.next/server/")) {
    const entry = sourceMapFor(file)?.findEntry(frame.lineNumber, frame.columnNumber);
    const source = entry && "originalSource" in entry ? entry.originalSource : undefined;
    if (source && entry && "originalLine" in entry) {
      const pkg = packageOf(source);
      const where = `${source.replace(/^.*node_modules\//, "").replace(/^webpack:\/\/[^/]*\/(\.\/)?/, "")}:${entry.originalLine + 1}`;
      return { bucket: pkg ?? appBucket(source), where };
    }
    return { bucket: "next bundle (unmapped)", where: `${short}:${frame.lineNumber + 1}` };
  }
  return { bucket: packageOf(file) ?? "other", where: `${short}:${frame.lineNumber + 1}` };
}

/** Native stream writes: V8 shows the write system call as the self time of these. */
const WRITE_SYSCALLS = new Set(["writev", "writeBuffer", "writeUtf8String", "writeLatin1String", "writeAsciiString", "writeUcs2String"]);

/** A coarser grouping of packages and parts into the layers a request passes through. */
export function layerOf(bucket: string, functionName: string): string {
  if (WRITE_SYSCALLS.has(functionName)) return "socket and file writes (write system calls)";
  if (bucket === "(garbage collector)") return "garbage collection";
  if (bucket === "(program)" || bucket === "V8 built-ins / native") return "V8 built-ins, native code, (program)";
  if (bucket.startsWith("next") || bucket === "@opentelemetry/api") return "Next.js (server, router, app-route runtime, tracing)";
  if (bucket === "node: async_hooks" || bucket === "node: abort_controller" || bucket === "node: worker")
    return "async context (AsyncLocalStorage hooks), AbortSignal";
  if (bucket.startsWith("node: undici") || bucket === "node: web streams") return "web Request/Response/Headers and body streams, fetch (Node's undici)";
  if (bucket.startsWith("@upstash/")) return "Upstash client (@upstash/redis, @upstash/ratelimit)";
  if (bucket.startsWith("@prisma/") || bucket.startsWith("pg") || bucket.startsWith("postgres-")) return "Prisma and the pg driver";
  if (bucket === "node: crypto" || bucket === "jose") return "crypto (HMAC keys, SHA-256, ES256, random)";
  if (["pino", "sonic-boom", "thread-stream", "fast-redact", "quick-format-unescaped", "atomic-sleep", "on-exit-leak-free", "safe-stable-stringify"].includes(bucket))
    return "logging (pino)";
  if (bucket === "zod") return "zod";
  if (bucket.startsWith("app: ")) return "the app's own code (lib/, app/, middleware.ts)";
  if (bucket === "tsx" || bucket === "esbuild" || bucket === "node: modules") return "module loading (tsx, require)";
  if (bucket.startsWith("node: ")) return "Node core (http server, streams, events, buffers, timers)";
  return "other";
}

export function summariseProfile(path: string, windowStartUs: number, windowEndUs: number, requests: number, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  const times: number[] = [];
  for (const d of profile.timeDeltas) {
    t += d;
    times.push(t);
  }
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const located = new Map<number, { bucket: string; where: string }>();
  const locateNode = (id: number) => {
    let l = located.get(id);
    if (!l) {
      l = locate(byId.get(id)!.callFrame);
      located.set(id, l);
    }
    return l;
  };
  const inclusiveBucketUs = new Map<string, number>();
  const inclusiveFnUs = new Map<string, { name: string; where: string; us: number }>();
  let idleUs = 0;
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const at = times[i]!;
    if (at < windowStartUs || at > windowEndUs) continue;
    // A sample stands for the time until the next one.
    const dur = (times[i + 1] ?? profile.endTime) - at;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    if (node.callFrame.functionName === "(idle)") {
      idleUs += dur;
      continue;
    }
    busyUs += dur;
    selfUs.set(node.id, (selfUs.get(node.id) ?? 0) + dur);
    const seenBuckets = new Set<string>();
    const seenFns = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === "(root)") break;
      const { bucket, where } = locateNode(id);
      seenBuckets.add(bucket);
      if (bucket.startsWith("app: ") && !bucket.startsWith("app: webpack")) {
        const name = frame.functionName || "(anonymous)";
        const key = `${name}|${where}`;
        if (!seenFns.has(key)) {
          seenFns.add(key);
          const e = inclusiveFnUs.get(key) ?? { name, where, us: 0 };
          e.us += dur;
          inclusiveFnUs.set(key, e);
        }
      }
    }
    for (const b of seenBuckets) inclusiveBucketUs.set(b, (inclusiveBucketUs.get(b) ?? 0) + dur);
  }

  const functions = new Map<string, Row>();
  const buckets = new Map<string, number>();
  const layers = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const { bucket, where } = locateNode(id);
    const name = frame.functionName || "(anonymous)";
    const key = `${name}|${where}|${bucket}`;
    const row = functions.get(key) ?? { name, where, bucket, selfMs: 0, share: 0, perRequestUs: 0 };
    row.selfMs += us / 1000;
    functions.set(key, row);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us / 1000);
    const layer = layerOf(bucket, frame.functionName);
    layers.set(layer, (layers.get(layer) ?? 0) + us / 1000);
  }
  const busyMs = busyUs / 1000;
  const perReq = (ms: number) => (requests > 0 ? (ms * 1000) / requests : 0);
  return {
    windowMs: (windowEndUs - windowStartUs) / 1000,
    requests,
    busyMs,
    idleMs: idleUs / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((r) => ({ ...r, share: r.selfMs / busyMs, perRequestUs: perReq(r.selfMs) })),
    buckets: [...buckets.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([bucket, selfMs]) => ({ bucket, selfMs, share: selfMs / busyMs, perRequestUs: perReq(selfMs) })),
    layers: [...layers.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([layer, selfMs]) => ({ layer, selfMs, share: selfMs / busyMs, perRequestUs: perReq(selfMs) })),
    inclusiveBuckets: [...inclusiveBucketUs.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([bucket, us]) => ({ bucket, ms: us / 1000, share: us / 1000 / busyMs, perRequestUs: perReq(us / 1000) })),
    inclusiveAppFunctions: [...inclusiveFnUs.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, share: e.us / 1000 / busyMs, perRequestUs: perReq(e.us / 1000) })),
  };
}
