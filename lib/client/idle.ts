/** The idle rule on the client: what counts as a person at the keyboard, and when to warn. */
import "client-only";

/** Real input only. Scrolling by wheel counts; timers, focus changes and network activity do not. */
export const ACTIVITY_EVENTS = ["keydown", "pointerdown", "touchstart", "wheel"] as const;

export const IDLE_WARNING_MS = 60_000;

export type IdlePhase = { phase: "active" } | { phase: "warning"; secondsLeft: number } | { phase: "expired" };

export function idlePhase(lastActivity: number, idleTimeoutSeconds: number, at = Date.now()): IdlePhase {
  const deadline = lastActivity + idleTimeoutSeconds * 1000;
  if (at >= deadline) return { phase: "expired" };
  const warnFrom = deadline - Math.min(IDLE_WARNING_MS, (idleTimeoutSeconds * 1000) / 2);
  if (at >= warnFrom) return { phase: "warning", secondsLeft: Math.ceil((deadline - at) / 1000) };
  return { phase: "active" };
}
