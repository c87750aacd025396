#!/usr/bin/env node
// `npm run test:node24` / `npm run test:node22` (`node scripts/test-node.mjs <major>`): the unit
// suite (Vitest), the production build and the /v2 contract suite (Playwright project
// `verify-api`) under another Node.js LTS line than the one that runs `npm test`.
//
// The Node binary is the official build, published on the npm registry as
// `node-<platform>-<arch>` (the registry is the one download source every machine that can
// `npm install` also reaches). better-sqlite3 is a V8-ABI addon: it has to be compiled for that
// Node, and compiling it inside this checkout's node_modules would break every Node 20 run here.
// So the suites run in a throwaway copy of the checkout with its own node_modules, where
// better-sqlite3 is rebuilt (or restored from a cache of earlier rebuilds). This checkout is only
// read, apart from the reports copied to test-results/node<major>/.
//
// Like scripts/test.mjs: every step has a time limit within TEST_BUDGET_MINUTES (default 40),
// a failing step does not stop the next one unless it is needed by it, the last line is always
// `N passed, M failed`, and the exit code is non-zero when anything failed.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSteps, playwrightCounts, readJson, vitestCounts } from "./steps.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const major = process.argv[2] ?? "24";
if (!/^\d+$/.test(major)) {
  console.error(`usage: node scripts/test-node.mjs <major version, e.g. 24>`);
  console.log("0 passed, 1 failed");
  process.exit(2);
}

const cacheRoot = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "owlbank-passkeys");
const reportDir = path.join(root, "test-results", `node${major}`);

function banner(text) {
  console.log(`\n━━━ node ${major}: ${text} ━━━`);
}

/** The copy of the checkout, so a signal also removes it. */
let workDir;

/** Minutes each step may take at most: several times what it takes on a shared 2-core machine. */
const { steps, run, record, recordRunner, single, summary } = createSteps({
  cwd: root,
  env: process.env,
  limits: { node: 10, toolchain: 10, copy: 5, "better-sqlite3": 15, vitest: 15, "next build": 15, "verify-api": 15 },
  budgetMinutes: Number(process.env.TEST_BUDGET_MINUTES || 40),
  banner,
  onSignal: () => {
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  },
});

/** A setup step that failed: it counts as one failure, and so does each suite it keeps from running. */
class SetupError extends Error {}

const semverParts = (v) => v.split(".").map(Number);
const semverCompare = (a, b) => {
  const [x, y] = [semverParts(a), semverParts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};

/** npm itself, run by whichever node is asked to: `npm run` says where it is, else next to this node. */
function npmCli() {
  const candidates = [
    process.env.npm_execpath,
    path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js"),
    path.join(path.dirname(process.execPath), "node_modules", "npm", "bin", "npm-cli.js"),
  ];
  const found = candidates.find((file) => file && /npm-cli\.js$/.test(file) && fs.existsSync(file));
  if (!found) throw new SetupError("npm's npm-cli.js was not found next to this Node");
  return found;
}

/**
 * The newest official Node `<major>.x` for this platform, extracted once into the cache. The
 * registry is asked which version is newest; when it cannot be reached, the newest cached one
 * of that line is used.
 */
async function ensureNode() {
  banner(`Node.js ${major} from the npm registry`);
  const pkg = `node-${process.platform}-${process.arch}`;
  const cached = () =>
    (fs.existsSync(cacheRoot) ? fs.readdirSync(cacheRoot) : [])
      .map((name) => new RegExp(`^node-v(${major}\\.\\d+\\.\\d+)-${process.platform}-${process.arch}$`).exec(name)?.[1])
      .filter(Boolean)
      .sort(semverCompare);

  const view = await run("node", process.execPath, [npmCli(), "view", `${pkg}@${major}`, "version", "--json"], { capture: true });
  let version;
  try {
    const versions = [JSON.parse(view.stdout)].flat().filter((v) => /^\d+\.\d+\.\d+$/.test(v));
    version = versions.sort(semverCompare).at(-1);
  } catch {
    // Not JSON: the registry did not answer.
  }
  if (!version) {
    version = cached().at(-1);
    if (!version) throw new SetupError(`could not resolve ${pkg}@${major} on the npm registry, and none is cached`);
    console.log(`The registry did not answer; using the cached Node ${version}.`);
  }

  const dir = path.join(cacheRoot, `node-v${version}-${process.platform}-${process.arch}`);
  const nodeBin = path.join(dir, "bin", "node");
  if (!fs.existsSync(nodeBin)) {
    fs.mkdirSync(cacheRoot, { recursive: true });
    const staging = fs.mkdtempSync(path.join(cacheRoot, "download-"));
    try {
      console.log(`Downloading ${pkg}@${version} (about 50 MB).`);
      const packed = await run("node", process.execPath, [npmCli(), "pack", `${pkg}@${version}`, "--json", "--pack-destination", staging], { capture: true });
      const filename = readJsonText(packed.stdout)?.[0]?.filename;
      if (packed.code !== 0 || !filename) throw new SetupError(`npm pack ${pkg}@${version} failed`);
      const untar = await run("node", "tar", ["-xzf", path.join(staging, path.basename(filename)), "-C", staging]);
      if (untar.code !== 0) throw new SetupError(`could not extract ${filename}`);
      // A rename, so a run stopped half-way never leaves a half-extracted Node in the cache.
      fs.renameSync(path.join(staging, "package"), dir);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  const probe = spawnSync(nodeBin, ["-p", "process.version + ' ' + process.versions.modules"], { encoding: "utf8" });
  if (probe.status !== 0) throw new SetupError(`${nodeBin} does not run: ${probe.stderr || probe.error?.message}`);
  const [nodeVersion, abi] = probe.stdout.trim().split(" ");
  console.log(`Node ${nodeVersion} (module ABI ${abi}) at ${nodeBin}`);
  return { dir, bin: path.dirname(nodeBin), nodeBin, version: nodeVersion, abi };
}

function readJsonText(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/**
 * node-gyp needs python3, make and a C++ compiler. On a CI container (root with apt-get) the
 * missing ones are installed from Debian, the way scripts/test.mjs installs Chromium.
 */
async function ensureToolchain() {
  const missing = ["python3", "make", "g++"].filter((name) => !hasCommand(name));
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && hasCommand("apt-get")) {
    console.log(`Installing ${missing.join(", ")} (apt-get) to compile better-sqlite3.`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const updated = (await run("toolchain", "apt-get", ["update"], { env })).code === 0;
    if (updated) await run("toolchain", "apt-get", ["install", "-y", "python3", "make", "g++"], { env });
  }
  const still = ["python3", "make", "g++"].filter((name) => !hasCommand(name));
  if (still.length) throw new SetupError(`better-sqlite3 must be compiled for Node ${major}, and ${still.join(", ")} is missing: install it (Debian: apt-get install -y python3 make g++)`);
}

/** Top-level entries that are this checkout's own state, not its source. */
const NOT_COPIED = new Set([".git", "node_modules", ".next", "data", "test-results", "playwright-report"]);

async function copyCheckout() {
  banner("a copy of the checkout with its own node_modules");
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), `owlbank-node${major}-`));
  const entries = fs.readdirSync(root).filter((name) => !NOT_COPIED.has(name) && !name.endsWith(".tsbuildinfo"));
  // cp -a keeps node_modules/.bin's relative symlinks relative, so they point into the copy; a
  // real copy (not hard links) because the rebuild and the caches below write files in place.
  const { code } = await run("copy", "cp", ["-a", "--reflink=auto", ...entries, "node_modules", workDir]);
  if (code !== 0) throw new SetupError("copying the checkout failed");
  console.log(`Copied to ${workDir}`);
}

/** What `node` is on the copy's PATH: the servers and bins below find their Node that way. */
function checkPath(node) {
  const seen = spawnSync("node", ["--version"], { cwd: workDir, env: nodeEnv(node), encoding: "utf8" }).stdout?.trim();
  if (seen !== node.version) throw new SetupError(`\`node\` on PATH is ${seen || "missing"}, not ${node.version}`);
}

/** Environment of everything that runs under the other Node: its bin first on PATH. */
function nodeEnv(node, extra = {}) {
  // `npm run` puts this checkout's node_modules/.bin (and npm's node-gyp) on PATH, and names the
  // Node that started it; none of that may leak into the copy's runs.
  const pathDirs = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => dir && !dir.startsWith(root + path.sep) && !/node-gyp-bin$/.test(dir));
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return { ...env, NEXT_TELEMETRY_DISABLED: "1", ...extra, PATH: [node.bin, ...pathDirs].join(path.delimiter) };
}

/**
 * better-sqlite3 compiled for this Node's ABI in the copy: from the cache when an earlier run
 * compiled the same version, else with `npm rebuild` under that Node (from source: its prebuilt
 * binaries come from GitHub, which closed networks do not reach; the headers come from the
 * official package, not from nodejs.org).
 */
async function ensureSqlite(node) {
  banner("better-sqlite3 for this Node");
  const moduleDir = path.join(workDir, "node_modules", "better-sqlite3");
  const version = readJson(path.join(moduleDir, "package.json"))?.version;
  const binary = path.join(moduleDir, "build", "Release", "better_sqlite3.node");
  const cachedBinary = path.join(cacheRoot, `better-sqlite3-${version}-abi${node.abi}-${process.platform}-${process.arch}.node`);
  if (fs.existsSync(cachedBinary)) {
    fs.rmSync(binary, { force: true });
    fs.copyFileSync(cachedBinary, binary);
    console.log(`Using the cached build ${cachedBinary}`);
  } else {
    await ensureToolchain();
    const started = Date.now();
    // prebuild-install reads this file (through `rc`, from its working directory upwards) and
    // goes straight to node-gyp instead of trying GitHub, which on a network that drops the
    // packets would hang. npm_config_build_from_source works too but makes npm warn about an
    // unknown config, and an env name with a dash does not survive npm's `sh -c`.
    fs.writeFileSync(path.join(workDir, ".prebuild-installrc"), "buildFromSource=true\n");
    // JOBS: node-gyp's make runs in parallel.
    const env = nodeEnv(node, { JOBS: "max" });
    const rebuilt = await run("better-sqlite3", node.nodeBin, [npmCli(), "rebuild", "better-sqlite3", "--foreground-scripts", `--nodedir=${node.dir}`], { cwd: workDir, env });
    if (rebuilt.code !== 0) throw new SetupError(`npm rebuild better-sqlite3 failed${rebuilt.note ? ` (${rebuilt.note})` : ""}`);
    console.log(`Compiled in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
    const staging = `${cachedBinary}.${process.pid}`;
    fs.copyFileSync(binary, staging);
    fs.renameSync(staging, cachedBinary);
  }
  const check = spawnSync(node.nodeBin, ["-e", "const D = require('better-sqlite3'); console.log('SQLite ' + new D(':memory:').prepare('select sqlite_version() v').get().v)"], { cwd: workDir, env: nodeEnv(node), encoding: "utf8" });
  if (check.status !== 0) {
    fs.rmSync(cachedBinary, { force: true });
    throw new SetupError(`better-sqlite3 does not load under Node ${node.version}: ${check.stderr.trim().split("\n").slice(0, 5).join(" ")}`);
  }
  console.log(`better-sqlite3 ${version} loads under Node ${node.version}: ${check.stdout.trim()}`);
}

/** A port for the contract run's server: PORT when given, else the first free one from 3200 + major (the main run uses 3210). */
async function freePort() {
  const isFree = (port) =>
    new Promise((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(false));
      server.listen({ port, host: "localhost" }, () => server.close(() => resolve(true)));
    });
  if (process.env.PORT) return Number(process.env.PORT);
  for (let port = 3200 + Number(major); port < 3200 + Number(major) + 50; port++) {
    if (port !== 3210 && (await isFree(port))) return port;
  }
  throw new SetupError("no free port for the contract run's server");
}

async function vitest(node) {
  banner("vitest (unit and behaviour tests)");
  const json = path.join(workDir, "test-results", "vitest.json");
  // The copy has no .git of its own; tests that ask git which files are tracked (the docs
  // references test) read this checkout's index against the copy's identical files.
  const gitEnv = { GIT_DIR: path.join(root, ".git"), GIT_WORK_TREE: workDir };
  const { code, note } = await run("vitest", path.join(workDir, "node_modules", ".bin", "vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${json}`], { cwd: workDir, env: nodeEnv(node, gitEnv) });
  recordRunner("vitest", code, vitestCounts(readJson(json)), note, "no JSON report");
}

function build(node) {
  return single("next build", path.join(workDir, "node_modules", ".bin", "next"), ["build"], { cwd: workDir, env: nodeEnv(node) });
}

async function contract(node) {
  const port = await freePort();
  banner(`playwright --project=verify-api (contract tests, server on port ${port})`);
  const json = path.join(workDir, "test-results", "playwright.json");
  // playwright.config.ts starts `next start` on PORT through `node`, found on PATH: this Node.
  const { code, note } = await run("verify-api", path.join(workDir, "node_modules", ".bin", "playwright"), ["test", "--pass-with-no-tests", "--project=verify-api"], { cwd: workDir, env: nodeEnv(node, { PORT: String(port) }) });
  recordRunner("verify-api", code, playwrightCounts(readJson(json)), note, "no JSON report");
}

/** The reports and Playwright's traces outlive the copy, for whoever reads a failed run. */
function keepReports() {
  if (!workDir) return;
  const from = path.join(workDir, "test-results");
  if (!fs.existsSync(from)) return;
  fs.rmSync(reportDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(reportDir), { recursive: true });
  fs.cpSync(from, reportDir, { recursive: true, verbatimSymlinks: true });
}

const started = Date.now();
let nodeLabel = `Node ${major}`;
try {
  const node = await ensureNode();
  nodeLabel = `Node ${node.version}`;
  await copyCheckout();
  checkPath(node);
  await ensureSqlite(node);
  await vitest(node);
  if (await build(node)) await contract(node);
  else record("verify-api", 0, 1, "not run: the production build failed");
} catch (error) {
  // Anything unexpected still ends in a summary that reads as a failure.
  console.error(`\nnode ${major}: ${error instanceof SetupError ? error.message : error.stack}`);
  record("setup", 0, 1, error.message);
  for (const name of ["vitest", "next build", "verify-api"]) {
    if (!steps.some((s) => s.name === name)) record(name, 0, 1, "not run: setup failed");
  }
} finally {
  keepReports();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
}

summary(`summary, ${nodeLabel} (${((Date.now() - started) / 1000).toFixed(0)}s)`);
