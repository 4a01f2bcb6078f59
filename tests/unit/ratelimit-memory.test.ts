/**
 * The in-memory sliding window, driven by an injected clock. The expected numbers follow
 * @upstash/ratelimit's slidingWindow script: weighted previous = floor((1 - elapsed/window) * prev),
 * refuse when weighted previous + current >= limit, refused requests are not counted.
 * (tests/integration/ratelimit-upstash.test.ts replays a sequence against both stores.)
 */
import { describe, expect, it } from "vitest";
import { MemoryStore } from "@/lib/ratelimit/memory-store";
import type { Policy } from "@/lib/ratelimit/policies";
import { resetClock, setClock } from "@/lib/clock";

const policy: Policy = { name: "otp-request", limit: 5, windowSeconds: 10, partition: "ip", onStoreFailure: "memory" };
/** A window start far from zero, so modular arithmetic is exercised with realistic epoch values. */
const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);

function storeAt(start: number, maxKeys?: number) {
  let t = start;
  const store = new MemoryStore({ now: () => t, maxKeys });
  return {
    store,
    set: (ms: number) => {
      t = ms;
    },
    hits: async (n: number, key = "k", p: Policy = policy) => {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await store.hit(p, key));
      return out;
    },
  };
}

describe("MemoryStore sliding window", () => {
  it("allows the limit within one window, counting remaining down, then refuses", async () => {
    const s = storeAt(T0 + 1_000);
    const results = await s.hits(6);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    // Reset is the end of the current 10 s window, whatever moment inside it we are at.
    expect(results.every((r) => r.resetAt === T0 + 10_000)).toBe(true);
    expect(results[0]!.at).toBe(T0 + 1_000);
  });

  it("weights the previous window by how much of it still overlaps", async () => {
    const s = storeAt(T0 + 2_000);
    await s.hits(5); // full previous window
    s.set(T0 + 10_000 + 5_000); // half-way through the next window: floor(0.5 * 5) = 2 still count
    const results = await s.hits(4);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[0]!.resetAt).toBe(T0 + 20_000);
  });

  it("floors the weighted count in double arithmetic, as the Lua script does", async () => {
    const s = storeAt(T0);
    await s.hits(5);
    // (1 - 0.8) * 5 is 0.9999999999999998 in IEEE doubles (Lua's numbers too): floor gives 0,
    // so the whole limit is available again 80% into the next window.
    s.set(T0 + 18_000);
    const results = await s.hits(6);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false]);
  });

  it("refuses at the exact window boundary after a full window and allows one millisecond later", async () => {
    const s = storeAt(T0 + 9_000);
    await s.hits(5);
    s.set(T0 + 10_000); // weighted previous = floor(1.0 * 5) = 5
    expect((await s.store.hit(policy, "k")).allowed).toBe(false);
    s.set(T0 + 10_001); // floor(0.9999 * 5) = 4
    const after = await s.store.hit(policy, "k");
    expect(after).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("does not count refused requests", async () => {
    const s = storeAt(T0);
    await s.hits(5);
    await s.hits(50); // all refused; had they counted, the next window would start blocked
    s.set(T0 + 10_000 + 7_000); // floor(0.3 * 5) = 1 → 4 allowed
    const results = await s.hits(5);
    expect(results.filter((r) => r.allowed)).toHaveLength(4);
  });

  it("forgets everything two windows later", async () => {
    const s = storeAt(T0);
    await s.hits(5);
    s.set(T0 + 20_000);
    expect((await s.hits(6)).map((r) => r.allowed)).toEqual([true, true, true, true, true, false]);
  });

  it("keeps keys and policies apart", async () => {
    const s = storeAt(T0);
    await s.hits(5, "a");
    expect((await s.store.hit(policy, "a")).allowed).toBe(false);
    expect((await s.store.hit(policy, "b")).allowed).toBe(true);
    const other: Policy = { ...policy, name: "otp-verify" };
    expect((await s.store.hit(other, "a")).allowed).toBe(true);
  });

  it("bounds memory by evicting the least recently used key", async () => {
    const s = storeAt(T0, 3);
    await s.hits(5, "a");
    await s.hits(1, "b");
    await s.hits(1, "c");
    await s.hits(1, "a"); // refused, but touches "a": now "b" is the least recently used
    await s.hits(1, "d"); // table full: "b" goes
    expect(s.store.size).toBe(3);
    expect((await s.store.hit(policy, "a")).allowed).toBe(false); // "a" kept its count
    expect((await s.store.hit(policy, "b")).remaining).toBe(4); // "b" starts over
  });

  it("drops lapsed keys as new ones arrive", async () => {
    const s = storeAt(T0);
    for (const key of ["a", "b", "c"]) await s.hits(1, key);
    s.set(T0 + 25_000); // the entries above lapse at T0 + 20 s
    await s.hits(1, "d");
    expect(s.store.size).toBe(1);
  });

  it("reads the app clock (lib/clock.ts) when no clock is injected", async () => {
    let t = T0 + 1_000;
    setClock(() => new Date(t));
    try {
      const store = new MemoryStore();
      for (let i = 0; i < 5; i++) await store.hit(policy, "k");
      expect((await store.hit(policy, "k")).allowed).toBe(false);
      t = T0 + 20_000;
      expect((await store.hit(policy, "k")).allowed).toBe(true);
    } finally {
      resetClock();
    }
  });
});
