/** Vitest global setup: one fresh, migrated database for the whole run, dropped afterwards. */
import type { TestProject } from "vitest/node";
import { createTestDatabase } from "./test-db";

export default async function setup(project: TestProject) {
  const database = await createTestDatabase();
  project.provide("databaseUrl", database.url);
  return async () => {
    await database.drop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
