/**
 * `next start` the way `npm start` runs it, for tests and the benchmark: with
 * server/peer-address.mjs loaded first (the server refuses to start without it). Spawn it with
 * the repository root as the working directory.
 */
export function nextStart(port) {
  return { command: process.execPath, args: ["--import", "./server/peer-address.mjs", "node_modules/next/dist/bin/next", "start", "-p", String(port)] };
}
