/**
 * The client's address, for rate limits, sessions and audit.
 *
 * Next.js 15 does not expose the socket address, and `next start` fills X-Forwarded-For only when
 * the client did not send one, so a forged header would be indistinguishable from the peer. Our
 * server (scripts/server.ts) therefore stamps the real peer into PEER_HEADER, overwriting anything
 * the client sent. With TRUST_PROXY=n (n proxies we run in front), the address is taken from
 * X-Forwarded-For counted n entries from the right: the entries our own proxies appended.
 * See docs/decisions/0003-peer-address-and-custom-server.md.
 */
export const PEER_HEADER = "x-clinicauth-peer";

type HeaderSource = { get(name: string): string | null };

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export function normaliseIp(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  const ip = raw.trim().replace(/^\[|\]$/g, "");
  if (!ip || ip.length > 45 || !/^[0-9a-fA-F:.]+$/.test(ip)) return undefined;
  return ip.replace(IPV4_MAPPED, "$1");
}

export function clientIp(headers: HeaderSource, trustProxy: number): string {
  const peer = normaliseIp(headers.get(PEER_HEADER));
  if (trustProxy > 0) {
    // Our proxies append, so the trustworthy part is the tail; the client controls the head.
    const hops = (headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const chosen = normaliseIp(hops[hops.length - trustProxy]);
    if (chosen) return chosen;
  }
  if (peer) return peer;
  // Without our server (plain `next start`), Next put the socket address here when the client sent
  // none; the right-most entry is the least forgeable one left to us.
  const last = (headers.get("x-forwarded-for") ?? "").split(",").pop();
  return normaliseIp(last) ?? "unknown";
}
