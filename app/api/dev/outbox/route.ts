import { z } from "zod";
import { route } from "@/lib/http/route";
import { AppError } from "@/lib/http/errors";
import { listOutbox } from "@/lib/delivery/outbox";
import { outboxEnabled } from "@/lib/delivery/channels";
import { channelSchema } from "@/lib/schemas/otp";

const query = z.strictObject({ to: z.string().trim().max(254).optional(), channel: channelSchema.optional() });

export const GET = route({ name: "dev.outbox", query }, async ({ query }) => {
  if (!outboxEnabled()) throw new AppError("not_found", "Not found.");
  return { messages: listOutbox(query) };
});
