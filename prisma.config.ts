/**
 * Prisma CLI configuration (generate, migrate, studio). Loaded before anything else the CLI does.
 *
 * Offline recipe: with engine "js" the CLI never runs native engines, but it still tries to download
 * them unless these two variables name an existing file. Any file will do; it is never executed.
 */
import { defineConfig } from "prisma/config";

process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= __filename;
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= __filename;

export default defineConfig({
  experimental: { adapter: true, studio: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  // Must not throw when DATABASE_URL is unset: `prisma generate` runs in postinstall without one.
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set (npm run dev sets it for the embedded database)");
    const { migrateAdapter } = await import("./prisma/migrate-adapter");
    return migrateAdapter(url);
  },
});
