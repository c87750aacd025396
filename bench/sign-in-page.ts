/**
 * `npx tsx bench/sign-in-page.ts`: the server's CPU per GET /sign-in without a session cookie,
 * the first request of every sign-in, on the production build in .next. A fresh server on
 * SQLite; a warm-up, then several measured batches at a fixed concurrency, each its CPU (user +
 * system, the server's whole process tree, from /proc) divided by its requests. The machine is
 * shared: compare builds in alternating runs, not one run against an old figure.
 *
 * Options: --warm-up N (1000), --requests N (2000 per batch), --batches N (3), --connections N (50),
 * --path P (/sign-in; /api/health, which no proxy or page touches, is the framework's floor).
 */
import autocannon from "autocannon";
import { startServer } from "../test/helpers/server";
import { read, used } from "./cpu";

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const WARM_UP = option("warm-up", 1000);
const REQUESTS = option("requests", 2000);
const BATCHES = option("batches", 3);
const CONNECTIONS = option("connections", 50);
const PATH = process.argv.includes("--path") ? process.argv[process.argv.indexOf("--path") + 1] : "/sign-in";

async function load(url: string, amount: number): Promise<autocannon.Result> {
  const result = await autocannon({ url: `${url}${PATH}`, connections: CONNECTIONS, amount, timeout: 60 });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${bad} of ${amount} requests failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`);
  return result;
}

const server = await startServer();
try {
  const probe = await fetch(`${server.url}${PATH}`);
  const csp = probe.headers.get("content-security-policy");
  console.log(`GET ${PATH}: ${probe.status}, x-nextjs-cache ${probe.headers.get("x-nextjs-cache") ?? "-"}, ${(await probe.text()).length} bytes`);
  console.log(`CSP: ${csp}`);
  await load(server.url, WARM_UP);
  const groups = { server: () => [server.pid] };
  const perRequest: number[] = [];
  for (let batch = 1; batch <= BATCHES; batch++) {
    const before = read(groups);
    const result = await load(server.url, REQUESTS);
    const cpu = used(before, read(groups))?.server;
    if (cpu === undefined) throw new Error("CPU not measurable here (/proc)");
    perRequest.push(cpu / REQUESTS);
    console.log(
      `batch ${batch}: ${REQUESTS} requests, ${cpu.toFixed(0)} ms CPU, ${(cpu / REQUESTS).toFixed(3)} ms/request, ` +
        `${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms`,
    );
  }
  const sorted = [...perRequest].sort((a, b) => a - b);
  console.log(`median CPU per GET ${PATH}: ${sorted[Math.floor(sorted.length / 2)].toFixed(3)} ms (batches: ${perRequest.map((v) => v.toFixed(3)).join(", ")})`);
} finally {
  await server.stop();
}
