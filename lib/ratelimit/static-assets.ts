/**
 * Paths the global per-IP limit skips: framework assets and the files in public/. A page load pulls
 * dozens of these, so counting them would exhaust 100/min for a clinic behind one address.
 *
 * public/ is listed once from disk rather than guessed from a file extension: "/anything.png" that
 * is not a real file renders the 404 page, which is work an attacker must not get for free.
 */
import { readdirSync } from "node:fs";
import path from "node:path";

const FRAMEWORK_ASSET = /^\/(?:_next\/static\/|_next\/image(?:\/|$)|favicon\.ico$)/;

let publicFiles: ReadonlySet<string> | undefined;

function listPublicFiles(root: string): ReadonlySet<string> {
  const files = new Set<string>();
  const walk = (dir: string, urlPrefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const url = `${urlPrefix}/${entry.name}`;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), url);
      else if (entry.isFile()) files.add(url);
    }
  };
  try {
    walk(root, "");
  } catch {
    // No public/ (or unreadable): nothing is exempt, which only ever counts more, never less.
  }
  return files;
}

function decodedPath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

export function isStaticAsset(pathname: string): boolean {
  if (FRAMEWORK_ASSET.test(pathname)) return true;
  // `next start` and the standalone server both run with the app directory as cwd.
  publicFiles ??= listPublicFiles(path.join(process.cwd(), "public"));
  return publicFiles.has(decodedPath(pathname));
}
