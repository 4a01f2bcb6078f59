import { route } from "@/lib/http/route";
import { metricsResponse } from "@/lib/ops/metrics-endpoint";

export const GET = route({ name: "metrics" }, async ({ req }) => metricsResponse(req.headers));
