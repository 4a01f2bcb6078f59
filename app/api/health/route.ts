import { route } from "@/lib/http/route";
import { checkHealth } from "@/lib/health";

export const GET = route({ name: "health" }, async () => {
  const report = await checkHealth();
  return Response.json(report, { status: report.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
});
