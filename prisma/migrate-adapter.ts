/**
 * The driver adapter the Prisma CLI (schema engine, engine: "js") uses for migrate and studio.
 *
 * It mends two faults of @prisma/adapter-pg 6.19.3 under the schema engine (see
 * docs/decisions/0001-prisma-offline.md):
 *  1. Catalog columns of type `name` (OID 19) and `"char"` (OID 18) are refused by the adapter's
 *     result decoder. We report them as `text` (OID 25); the values are already plain strings.
 *  2. `connectToShadowDb` spreads `connectionString`, which overrides `database`, so the "shadow"
 *     is the main database. We build the shadow from discrete fields and drop it WITH (FORCE)
 *     only after its pool has ended.
 *  3. `executeScript` splits a migration on every ";" (inside comments, strings and function
 *     bodies too). We send the script whole, as one simple-protocol query, which Postgres runs as
 *     one implicit transaction: a migration applies completely or not at all.
 * The application runtime does not use this file; it uses lib/db/client.ts.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { parse } from "pg-connection-string";

const TEXT_OID = 25;
const CATALOG_OIDS = new Set([18, 19]);

type FieldLike = { dataTypeID: number };
type ResultLike = { fields?: FieldLike[] } | undefined;
type Callback = (err: Error | null, res: ResultLike) => void;

function asText(res: ResultLike): ResultLike {
  for (const f of res?.fields ?? []) if (CATALOG_OIDS.has(f.dataTypeID)) f.dataTypeID = TEXT_OID;
  return res;
}

/** pg.Client whose results describe catalog-only column types as text. */
class CatalogAsTextClient extends pg.Client {}
const baseQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
// pg.Pool#query calls client.query in callback form; direct callers may use the promise form.
(CatalogAsTextClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
  this: pg.Client,
  ...args: unknown[]
) {
  const last = args.at(-1);
  if (typeof last === "function") {
    const cb = last as Callback;
    args[args.length - 1] = (err: Error | null, res: ResultLike) => cb(err, err ? res : asText(res));
    return baseQuery.apply(this, args);
  }
  const out = baseQuery.apply(this, args);
  return out instanceof Promise ? out.then((r: ResultLike) => asText(r)) : out;
};

function poolConfig(connectionString: string, database?: string): pg.PoolConfig {
  const p = parse(connectionString);
  return {
    host: p.host ?? undefined,
    port: p.port ? Number(p.port) : undefined,
    user: p.user ?? undefined,
    password: p.password ?? undefined,
    database: database ?? p.database ?? undefined,
    max: Number(process.env.DATABASE_POOL_MAX ?? 4),
    Client: CatalogAsTextClient,
  };
}

type Connected = Awaited<ReturnType<PrismaPg["connect"]>>;

/** Mend 3: run a migration script as one query instead of splitting it on semicolons. */
function wholeScripts(adapter: Connected): Connected {
  const pool = adapter.underlyingDriver() as pg.Pool;
  const toDriverError = (adapter as unknown as { onError(e: unknown): never }).onError.bind(adapter);
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (err) {
      toDriverError(err);
    }
  };
  return adapter;
}

class MigratePg extends PrismaPg {
  constructor(private readonly connectionString: string) {
    super(poolConfig(connectionString));
  }

  override async connect(): Promise<Connected> {
    return wholeScripts(await super.connect());
  }

  override async connectToShadowDb(): ReturnType<PrismaPg["connectToShadowDb"]> {
    const name = `prisma_shadow_${crypto.randomUUID().replaceAll("-", "")}`;
    const admin = new pg.Client(poolConfig(this.connectionString));
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const adapter = wholeScripts(await new PrismaPg(poolConfig(this.connectionString, name)).connect());
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose(); // ends the shadow pool first, so the DROP does not race its connections
      const dropper = new pg.Client(poolConfig(this.connectionString));
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    };
    return adapter;
  }
}

export function migrateAdapter(connectionString: string): PrismaPg {
  return new MigratePg(connectionString);
}
