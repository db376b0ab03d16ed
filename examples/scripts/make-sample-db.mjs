// Builds examples/acme-shop/customers.db: a small SQLite database of the fictional
// Acme shop, seeded with FAKE personal data. Deterministic: running it again gives the
// same bytes (with the same better-sqlite3), so the committed file can be checked.
//
//   node examples/scripts/make-sample-db.mjs [output.db]
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

// better-sqlite3 is a dependency of @wct/plugin-sqlite; borrow it from there.
const require = createRequire(
  new URL("../../packages/plugin-sqlite/package.json", import.meta.url),
);
const Database = require("better-sqlite3");

const target = resolve(
  process.argv[2] ?? fileURLToPath(new URL("../acme-shop/customers.db", import.meta.url)),
);

const users = [
  [1, "jane.doe@example.com", "Jane", "Doe", "1984-07-23", "+44 7700 900123", "GB"],
  [2, "hans.mueller@acme-shop.test", "Hans", "Müller", "1979-03-12", "+49 30 23125678", "DE"],
  [3, "alex.rivera@example.org", "Alex", "Rivera", "1990-05-30", "+1 202-555-0143", "US"],
  [4, "m.schmidt@acme-shop.test", "Maria", "Schmidt", "1992-11-08", "+49 30 23125901", "DE"],
  [5, "li.wei@acme-shop.test", "Li", "Wei", "2001-02-14", "+44 20 7946 0011", "GB"],
];

// A 4-byte stand-in for a profile picture: shows how BLOB cells are reported.
const avatar = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

const orders = [
  [1, 1, "2024-05-01", 49.9, "4111111111111111", null, "1 Test Street, London SW1A 1AA"],
  [2, 2, "2024-05-02", 120, null, "DE89370400440532013000", "Musterstraße 1, 10115 Berlin"],
  [3, 4, "2024-05-02", 15.5, "4929182736450186", null, "Beispielweg 7, 20095 Hamburg"],
  [4, 3, "2024-05-03", 8.25, "5555555555554444", null, "100 Example Ave, Springfield"],
  [5, 5, "2024-05-03", 230, null, "GB60ACME40512712345678", "2 Sample Road, Leeds LS1 4AP"],
];

const auditLog = [
  ["evt-0001", "2024-05-02T10:15:32Z", "jane.doe@example.com", "203.0.113.42", "login", ""],
  [
    "evt-0002",
    "2024-05-02T10:16:01Z",
    "ops-admin@acme-shop.test",
    "2001:db8::8a2e:370:7334",
    "export_customers",
    "exported 5 rows",
  ],
  [
    "evt-0003",
    "2024-05-02T11:02:45Z",
    "hans.mueller@acme-shop.test",
    "198.51.100.7",
    "update_profile",
    "new phone +49 30 23125678",
  ],
  [
    "evt-0004",
    "2024-05-03T09:30:00Z",
    "support@example.com",
    "192.0.2.10",
    "note",
    "caller verified date of birth 30/05/1990 and SSN 078-05-1120",
  ],
];

rmSync(target, { force: true });
const db = new Database(target);
try {
  db.pragma("journal_mode = DELETE");
  db.pragma("page_size = 4096");
  db.exec(`
    CREATE TABLE users (
      id            INTEGER PRIMARY KEY,
      email         TEXT NOT NULL UNIQUE,
      first_name    TEXT NOT NULL,
      last_name     TEXT NOT NULL,
      date_of_birth TEXT,
      phone         TEXT,
      country       TEXT,
      avatar        BLOB
    );
    CREATE TABLE orders (
      id               INTEGER PRIMARY KEY,
      user_id          INTEGER NOT NULL REFERENCES users (id),
      placed_at        TEXT NOT NULL,
      total            REAL NOT NULL,
      card_number      TEXT,
      iban             TEXT,
      shipping_address TEXT
    );
    CREATE TABLE audit_log (
      event_id    TEXT PRIMARY KEY,
      at          TEXT NOT NULL,
      actor_email TEXT,
      ip_address  TEXT,
      action      TEXT NOT NULL,
      details     TEXT
    ) WITHOUT ROWID;
  `);
  const insertUser = db.prepare("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  const insertOrder = db.prepare("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)");
  const insertEvent = db.prepare("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)");
  db.transaction(() => {
    for (const user of users) insertUser.run(...user, user[0] === 1 ? avatar : null);
    for (const order of orders) insertOrder.run(...order);
    for (const event of auditLog) insertEvent.run(...event);
  })();
  db.exec("VACUUM");
} finally {
  db.close();
}
console.log(`wrote ${target}`);
