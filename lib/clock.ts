/**
 * The clock every time rule reads. Tests move it (`setClock`) instead of sleeping through minutes.
 * In the app it is the system clock.
 */
let current: () => Date = () => new Date();

export function now(): Date {
  return current();
}

export function setClock(fn: () => Date): void {
  current = fn;
}

export function resetClock(): void {
  current = () => new Date();
}
