import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openReadOnly } from "../src/database.js";
import sqlitePlugin, { SourceErrorCode, sqliteConnector, sqliteProperties } from "../src/index.js";
import { createDatabase, extract, extractStreamed, makeTempDir, rowsOf } from "./helpers.js";

let dir: string;
let dbPath: string;
let cleanup: () => Promise<void>;

const SCHEMA = `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    first_name TEXT,
    date_of_birth DATE,
    avatar BLOB
  );
  CREATE TABLE orders (order_ref TEXT PRIMARY KEY, user_id INTEGER NOT NULL, total REAL);
  CREATE TABLE audit_log (at TEXT, ip TEXT);
  CREATE TABLE tags (name TEXT PRIMARY KEY, weight INTEGER NOT NULL) WITHOUT ROWID;
  CREATE VIEW adults AS SELECT email FROM users;
  CREATE INDEX users_dob ON users (date_of_birth);
  INSERT INTO users VALUES
    (1, 'ann@example.com', 'Ann', '1990-01-02', x'89504e47'),
    (2, 'bob@example.com', 'Bob', NULL, NULL),
    (3, 'cy@example.com', 'Cy', '1985-12-31', NULL);
  INSERT INTO orders VALUES ('A-1', 1, 9.5), ('A-2', 2, 20);
  INSERT INTO tags VALUES ('vip', 3), ('new', 1);
`;

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  dbPath = join(dir, "shop.db");
  createDatabase(dbPath, SCHEMA);
});

afterEach(async () => {
  await cleanup();
});

describe("plugin", () => {
  it("provides the sqlite connector producing database_content/2.0.0", () => {
    expect(sqlitePlugin.name).toBe("sqlite");
    expect(sqlitePlugin.connectors).toEqual([sqliteConnector]);
    expect(sqliteConnector.type).toBe("sqlite");
    expect(sqliteConnector.outputSchema).toEqual({ name: "database_content", version: "2.0.0" });
  });

  it("validates properties strictly with defaults", () => {
    expect(sqliteProperties.parse({ database_path: "a.db" })).toEqual({
      database_path: "a.db",
      max_rows_per_table: 100,
      exclude_tables: [],
    });
    expect(sqliteProperties.safeParse({ database_path: "a.db", tables: [] }).success).toBe(false);
    expect(
      sqliteProperties.safeParse({ database_path: "a.db", max_rows_per_table: -1 }).success,
    ).toBe(false);
  });
});

describe("schema", () => {
  it("lists user tables by name, without views or internal tables", async () => {
    const content = await extract({ database_path: "shop.db" }, { baseDir: dir });
    expect(content.tables.map((t) => t.name)).toEqual(["audit_log", "orders", "tags", "users"]);
    expect(content.database).toEqual({ kind: "sqlite", path: "shop.db" });
  });

  it("describes columns with declared type, nullability and primary key", async () => {
    const content = await extract({ database_path: "shop.db" }, { baseDir: dir });
    const users = content.tables.find((t) => t.name === "users");
    expect(users?.columns).toEqual([
      { name: "id", type: "INTEGER", nullable: false, primary_key: true },
      { name: "email", type: "TEXT", nullable: false, primary_key: false },
      { name: "first_name", type: "TEXT", nullable: true, primary_key: false },
      { name: "date_of_birth", type: "DATE", nullable: true, primary_key: false },
      { name: "avatar", type: "BLOB", nullable: true, primary_key: false },
    ]);
    const orders = content.tables.find((t) => t.name === "orders");
    // A TEXT primary key of a rowid table accepts NULL in SQLite.
    expect(orders?.columns[0]).toEqual({
      name: "order_ref",
      type: "TEXT",
      nullable: true,
      primary_key: true,
    });
  });

  it("counts every row of each table", async () => {
    const content = await extract({ database_path: "shop.db" }, { baseDir: dir });
    expect(Object.fromEntries(content.tables.map((t) => [t.name, t.row_count]))).toEqual({
      audit_log: 0,
      orders: 2,
      tags: 2,
      users: 3,
    });
  });
});

describe("rows", () => {
  it("reads rows with their rowid and values by column", async () => {
    const content = await extract({ database_path: "shop.db" }, { baseDir: dir });
    expect(rowsOf(content, "users")[1]).toEqual({
      rowid: 2,
      values: {
        id: 2,
        email: "bob@example.com",
        first_name: "Bob",
        date_of_birth: null,
        avatar: null,
      },
    });
    expect(content.coverage.rows_sampled).toBe(7);
  });

  it("streams one record per row, table by table in the order tables are listed", async () => {
    const content = await extract({ database_path: "shop.db" }, { baseDir: dir });
    expect(content.rows.map((r) => [r.table, r.rowid])).toEqual([
      ["orders", 1],
      ["orders", 2],
      ["tags", null],
      ["tags", null],
      ["users", 1],
      ["users", 2],
      ["users", 3],
    ]);
  });

  it("reads at most max_rows_per_table rows per table", async () => {
    const content = await extract(
      { database_path: "shop.db", max_rows_per_table: 1 },
      { baseDir: dir },
    );
    expect(content.tables.map((t) => rowsOf(content, t.name).length)).toEqual([0, 1, 1, 1]);
    expect(content.coverage.rows_sampled).toBe(3);
  });

  it("reads the schema and counts only when max_rows_per_table is 0", async () => {
    const content = await extract(
      { database_path: "shop.db", max_rows_per_table: 0 },
      { baseDir: dir },
    );
    expect(content.rows).toEqual([]);
    expect(content.tables.find((t) => t.name === "users")?.row_count).toBe(3);
  });

  it("gives rows of a WITHOUT ROWID table a null rowid", async () => {
    const content = await extract({ database_path: "shop.db" }, { baseDir: dir });
    const tags = content.tables.find((t) => t.name === "tags");
    expect(rowsOf(content, "tags")).toEqual([
      { rowid: null, values: { name: "new", weight: 1 } },
      { rowid: null, values: { name: "vip", weight: 3 } },
    ]);
    expect(tags?.columns[0]).toMatchObject({ primary_key: true, nullable: false });
  });

  it("replaces a BLOB by a marker with its size", async () => {
    const content = await extract({ database_path: "shop.db" }, { baseDir: dir });
    expect(rowsOf(content, "users")[0]?.values.avatar).toBe("<blob 4 bytes>");
  });

  it("keeps integers beyond 2^53 exact as strings", async () => {
    createDatabase(
      join(dir, "big.db"),
      "CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (9007199254740993), (42);",
    );
    const content = await extract({ database_path: "big.db" }, { baseDir: dir });
    expect(content.rows.map((r) => r.values.n)).toEqual(["9007199254740993", 42]);
  });

  it("reads the real rowid even when a column is called rowid", async () => {
    createDatabase(
      join(dir, "odd.db"),
      "CREATE TABLE t (rowid TEXT, value TEXT); INSERT INTO t VALUES ('not-the-rowid', 'x');",
    );
    const content = await extract({ database_path: "odd.db" }, { baseDir: dir });
    expect(rowsOf(content, "t")[0]).toEqual({
      rowid: 1,
      values: { rowid: "not-the-rowid", value: "x" },
    });
  });

  it("reads tables and columns whose names need quoting", async () => {
    createDatabase(
      join(dir, "quoted.db"),
      `CREATE TABLE "we""ird; DROP TABLE x" ("e mail" TEXT, "sel""ect" INT);
       INSERT INTO "we""ird; DROP TABLE x" VALUES ('a@example.com', 1);`,
    );
    const content = await extract({ database_path: "quoted.db" }, { baseDir: dir });
    expect(content.tables[0]).toMatchObject({ name: 'we"ird; DROP TABLE x', row_count: 1 });
    expect(content.rows).toEqual([
      {
        table: 'we"ird; DROP TABLE x',
        rowid: 1,
        values: { "e mail": "a@example.com", 'sel"ect': 1 },
      },
    ]);
  });
});

describe("table selection", () => {
  it("reads only include_tables, by name or glob, and reports the rest as excluded", async () => {
    const content = await extract(
      { database_path: "shop.db", include_tables: ["users", "ord*"] },
      { baseDir: dir },
    );
    expect(content.tables.map((t) => t.name)).toEqual(["orders", "users"]);
    expect(content.coverage.tables_skipped).toEqual([
      { name: "audit_log", reason: "excluded" },
      { name: "tags", reason: "excluded" },
    ]);
    expect(content.coverage.tables_read).toBe(2);
  });

  it("leaves out exclude_tables", async () => {
    const content = await extract(
      { database_path: "shop.db", exclude_tables: ["AUDIT_*", "tags"] },
      { baseDir: dir },
    );
    expect(content.tables.map((t) => t.name)).toEqual(["orders", "users"]);
  });
});

describe("read-only access", () => {
  it("leaves the database file byte for byte unchanged", async () => {
    const digest = async () =>
      createHash("sha256")
        .update(await readFile(dbPath))
        .digest("hex");
    const before = await digest();
    await extract({ database_path: dbPath }, { baseDir: "/" });
    expect(await digest()).toBe(before);
  });

  it("opens a connection on which writing is impossible", () => {
    const db = openReadOnly(dbPath);
    try {
      expect(() => db.exec("DELETE FROM users")).toThrow();
      expect(() => db.exec("CREATE TABLE x (a)")).toThrow();
    } finally {
      db.close();
    }
  });
});

describe("errors", () => {
  it("fails with ERR_SOURCE_NOT_FOUND when the file does not exist", async () => {
    await expect(extract({ database_path: "nope.db" }, { baseDir: dir })).rejects.toMatchObject({
      code: SourceErrorCode.NotFound,
    });
  });

  it("fails with ERR_SOURCE_UNREADABLE when the file is not a database", async () => {
    await writeFile(
      join(dir, "notes.db"),
      "these are not the tables you are looking for\n".repeat(20),
    );
    await expect(extract({ database_path: "notes.db" }, { baseDir: dir })).rejects.toMatchObject({
      code: SourceErrorCode.Unreadable,
    });
  });

  it("fails with ERR_SOURCE_UNREADABLE when the path is a folder", async () => {
    await expect(extract({ database_path: "." }, { baseDir: dir })).rejects.toMatchObject({
      code: SourceErrorCode.Unreadable,
    });
  });

  it("rejects with the abort reason when aborted", async () => {
    const controller = new AbortController();
    const reason = new Error("stopped");
    controller.abort(reason);
    await expect(
      extract({ database_path: "shop.db" }, { baseDir: dir, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it("stops between rows of one table once aborted, and closes the database", async () => {
    createDatabase(
      join(dir, "big.db"),
      "CREATE TABLE t (v TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO t SELECT 'row ' || i FROM n;",
    );
    const controller = new AbortController();
    const reason = new Error("interrupted");
    const out = await extractStreamed(
      { database_path: "big.db", max_rows_per_table: 5000 },
      { baseDir: dir, signal: controller.signal },
    );
    const rows = out.records[Symbol.asyncIterator]();
    expect((await rows.next()).value).toEqual({ table: "t", rowid: 1, values: { v: "row 1" } });
    controller.abort(reason);
    await expect(rows.next()).rejects.toBe(reason);
    // Closed in the generator's finally: the file can be opened for writing again.
    const writer = new Database(join(dir, "big.db"));
    expect(() => writer.exec("DELETE FROM t")).not.toThrow();
    writer.close();
  });

  it("closes the database when the engine stops reading rows early", async () => {
    const out = await extractStreamed({ database_path: "shop.db" }, { baseDir: dir });
    const rows = out.records[Symbol.asyncIterator]();
    expect((await rows.next()).done).toBe(false);
    await rows.return?.();
    expect((await rows.next()).done).toBe(true);
    // A read cursor left open would make this write fail with SQLITE_BUSY.
    const writer = new Database(dbPath);
    expect(() => writer.exec("DELETE FROM users")).not.toThrow();
    writer.close();
  });

  it("reports a table SQLite fails to read midway as unreadable, keeps its rows read, and reads the next", async () => {
    const path = join(dir, "damaged.db");
    createDatabase(
      path,
      "CREATE TABLE a (v TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO a SELECT printf('row %04d %s', i, hex(randomblob(6000))) FROM n; CREATE TABLE b (w TEXT); INSERT INTO b VALUES ('fine');",
    );
    // Every row of a spills into a chain of overflow pages, which counting the rows
    // does not read: pointing the chains of the last rows past the end of the file
    // makes reading fail at those rows, not before.
    const inspect = new Database(path, { readonly: true });
    const pageSize = inspect.pragma("page_size", { simple: true }) as number;
    const pages = inspect
      .prepare(
        "SELECT pageno FROM dbstat WHERE name = 'a' AND pagetype = 'overflow' ORDER BY pageno",
      )
      .pluck()
      .all() as number[];
    inspect.close();
    const bytes = await readFile(path);
    for (const page of pages.slice(-pages.length / 10)) {
      bytes.writeUInt32BE(0x7fffffff, (page - 1) * pageSize);
    }
    await writeFile(path, bytes);
    const out = await extractStreamed(
      { database_path: "damaged.db", max_rows_per_table: 5000 },
      { baseDir: dir },
    );
    const read: Array<{ table: string }> = [];
    for await (const row of out.records) read.push(row as { table: string });
    const fromA = read.filter((row) => row.table === "a").length;
    expect(fromA).toBeGreaterThan(0);
    expect(fromA).toBeLessThan(200);
    expect(read.filter((row) => row.table === "b")).toHaveLength(1);
    const summary = await out.summary();
    expect(summary["coverage"]).toMatchObject({
      tables_read: 1,
      tables_skipped: expect.arrayContaining([{ name: "a", reason: "unreadable" }]),
    });
  });

  it("stops between tables once aborted", async () => {
    const controller = new AbortController();
    const reason = new Error("interrupted");
    const promise = extract(
      { database_path: "shop.db" },
      { baseDir: dir, signal: controller.signal },
    );
    controller.abort(reason);
    await expect(promise).rejects.toBe(reason);
  });
});
