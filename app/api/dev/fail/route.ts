import { route } from "@/lib/http/route";
import { AppError } from "@/lib/http/errors";
import { outboxEnabled } from "@/lib/delivery/channels";

/**
 * Development diagnostic: an unhandled error, to see (and test) what a 500 looks like: the JSON
 * error shape with the request id, the headers, the log line. 404 wherever the outbox is off,
 * i.e. in every real production deployment.
 */
export const GET = route({ name: "dev.fail" }, async () => {
  if (!outboxEnabled()) throw new AppError("not_found", "Not found.");
  throw new Error("Deliberate failure from /api/dev/fail");
});
