/** Where to go after signing in: a same-origin path only, never another site (open redirect). */
export function safeNext(next: string | null | undefined, fallback: string): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  try {
    const url = new URL(next, "http://placeholder.invalid");
    if (url.origin !== "http://placeholder.invalid") return fallback;
    if (url.pathname.startsWith("/login")) return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}

export function homeFor(role: "staff" | "admin"): string {
  return role === "admin" ? "/admin/sessions" : "/dashboard";
}
