// The HTML report opened in headless Chromium (Debian's `chromium`, driven by
// playwright-core): totals, table rows, a working filter, and no network request.
// Without a browser the tests are skipped with a message, except on CI (.ci/run
// installs chromium), where a missing browser is a failure.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileFinding, render } from "./helpers.js";

const CHROMIUM = process.env["WCT_CHROMIUM"] ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) {
  const message = `html.browser.test: no Chromium at ${CHROMIUM}; install it (apt-get install -y chromium) or set WCT_CHROMIUM. The HTML browser tests are skipped.`;
  if (process.env["CI"]) throw new Error(message);
  console.warn(message);
}

const N = 10_000;

describe.skipIf(!available)("HTML report in headless Chromium", () => {
  let dir: string;
  let browser: BrowserContext;
  let page: Page;
  let file: string;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wct-html-"));
    const findings = Array.from({ length: N }, (_, i) => fileFinding(i));
    // One finding whose evidence tries to break out of the data block.
    findings[17] = fileFinding(17, { evidence: "x</script><img src=http://127.0.0.1:9/x>" });
    file = join(dir, "report.html");
    writeFileSync(file, await render("html", findings));
    // A fresh profile in the temporary folder: nothing from another run leaks in.
    browser = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("body[data-ready='1']");
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows the totals by type and category", async () => {
    expect(await page.textContent("#total")).toBe(String(N));
    const byType = await page.$$eval("#by-type tbody tr", (rows) =>
      rows.map((r) => [r.children[0]?.textContent, Number(r.children[1]?.textContent)]),
    );
    expect(byType).toHaveLength(5);
    expect(byType.reduce((sum, [, n]) => sum + (n as number), 0)).toBe(N);
    expect(await page.locator("#summary svg").count()).toBe(2);
  });

  it("renders one page of table rows out of all findings", async () => {
    expect(await page.locator("#rows tbody tr").count()).toBe(200);
    expect(await page.textContent("#shown")).toContain(`of ${N}`);
  });

  it("filters rows by text and by type", async () => {
    await page.fill("#q", "module5/file3.ts");
    await page.waitForSelector('#shown:has-text("filtered")');
    const expected = Array.from({ length: N }, (_, i) => i).filter(
      (i) => i % 97 === 5 && i % 13 === 3,
    ).length;
    expect(await page.locator("#rows tbody tr").count()).toBe(expected);
    await page.fill("#q", "");
    await page.selectOption("#f-type", "iban");
    await page.waitForSelector(`#shown:has-text("of ${N / 5} (filtered")`);
    const types = await page.$$eval("#rows tbody tr td:nth-child(2)", (cells) => [
      ...new Set(cells.map((c) => c.textContent)),
    ]);
    expect(types).toEqual(["iban"]);
    await page.selectOption("#f-type", "");
  });

  it("sorts by confidence when its header is clicked", async () => {
    await page.click("#rows th[data-key=confidence]");
    const first = await page.textContent("#rows tbody tr:first-child td:nth-child(4)");
    expect(first).toBe("0.99");
  });

  it("makes no network request: only the file itself is loaded", () => {
    expect(requests).toEqual([pathToFileURL(file).href]);
  });

  it("stays a few MB at 10,000 findings", () => {
    expect(statSync(file).size).toBeLessThan(8 * 1024 * 1024);
  });
});
