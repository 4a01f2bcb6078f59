/**
 * The development outbox: what the mock "sent", newest first, for `/dev/outbox` and its JSON twin.
 * Bounded so a long `next dev` session cannot grow it forever, and kept on globalThis so it
 * survives hot reloads (each reload re-evaluates this module). Only the mock writes here, and the
 * mock only runs where `outboxEnabled()` is true.
 */
import { randomUUID } from "node:crypto";
import { now } from "@/lib/clock";
import type { Channel } from "./types";

export const OUTBOX_LIMIT = 100;

export type OutboxEntry = {
  id: string;
  channel: Channel;
  to: string;
  subject?: string;
  text: string;
  /** Shown separately so a developer (or an end-to-end test) need not parse the text. */
  code?: string;
  /** ISO 8601 time the mock accepted the message. */
  at: string;
};

const store = globalThis as unknown as { clinicauthOutbox?: OutboxEntry[] };

function entries(): OutboxEntry[] {
  store.clinicauthOutbox ??= [];
  return store.clinicauthOutbox;
}

export function recordOutbox(entry: Omit<OutboxEntry, "id" | "at">): OutboxEntry {
  const saved: OutboxEntry = { id: randomUUID(), at: now().toISOString(), ...entry };
  const list = entries();
  list.unshift(saved);
  list.length = Math.min(list.length, OUTBOX_LIMIT);
  return saved;
}

/** Newest first; optionally only one recipient's or one channel's messages. */
export function listOutbox(filter: { to?: string; channel?: Channel; limit?: number } = {}): OutboxEntry[] {
  return entries()
    .filter((e) => (filter.to === undefined || e.to === filter.to) && (filter.channel === undefined || e.channel === filter.channel))
    .slice(0, filter.limit ?? OUTBOX_LIMIT)
    .map((e) => ({ ...e }));
}

export function clearOutbox(): void {
  entries().length = 0;
}
