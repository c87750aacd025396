/**
 * What a customer sees while PostgreSQL is down: OwlBank's own error page with "Try again",
 * quickly, never a stack trace; and the page works again once the database is back, without
 * restarting the app. Runs in the PostgreSQL pass only, on a database server of its own
 * (killing the run's shared one would take the other specs down with it).
 */
import { startPostgres } from "../../scripts/postgres.mjs";
import { type Server, startServer } from "../../test/helpers/server";
import { E2E_ENGINE_NAME } from "../helpers/env";
import { expect, test } from "./fixtures";

test.skip(E2E_ENGINE_NAME !== "PostgreSQL", "a PostgreSQL outage: the PostgreSQL pass only");

test("while PostgreSQL is down a page shows OwlBank's Try again within seconds, and works again once it is back", async ({ browser }) => {
  test.slow();
  const postgres = await startPostgres();
  let server: Server | undefined;
  try {
    server = await startServer({
      databaseUrl: await postgres.createDatabase("owlbank_e2e_outage"),
      env: { DATABASE_TIMEOUT_SECONDS: "2" },
    });
    const page = await browser.newPage();
    // The local outbox page reads the database on every request.
    const outbox = `${server.url}/dev/outbox`;
    await page.goto(outbox);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();

    await postgres.kill();
    const started = Date.now();
    const response = await page.goto(outbox);
    await expect(page.getByRole("button", { name: "Try again" })).toBeVisible();
    expect(Date.now() - started, "the error page comes within the database timeout, not after a hang").toBeLessThan(10_000);
    expect(response?.status()).toBe(500);
    const html = await response!.text();
    expect(html, "no stack trace or query reaches the browser").not.toMatch(/ECONNREFUSED|Failed query|\bat \S+\.js:\d+/);

    await postgres.restart();
    await page.getByRole("button", { name: "Try again" }).click();
    await expect(page.getByRole("button", { name: "Try again" }), "the same app process serves again").toBeHidden({ timeout: 15_000 });
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    expect(server.ended()).toBeUndefined();
  } finally {
    await server?.stop();
    await postgres.stop();
  }
});
