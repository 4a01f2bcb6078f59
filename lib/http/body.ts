/**
 * Request bodies: JSON only, at most MAX_BODY_BYTES, read as a stream so an oversized or lying
 * Content-Length never gets an unbounded body into memory.
 */
import { AppError } from "@/lib/http/errors";

export const MAX_BODY_BYTES = 16 * 1024;

export async function readJsonBody(req: Request, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new AppError("unsupported_media_type", "Send the request body as application/json.");
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) throw new AppError("malformed_json", "The request body is empty; a JSON object was expected.");

  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
  if (text.trim() === "") throw new AppError("malformed_json", "The request body is empty; a JSON object was expected.");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError("malformed_json", "The request body is not valid JSON.");
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `The request body is larger than ${maxBytes / 1024} KiB.`, { limitBytes: maxBytes });
}
