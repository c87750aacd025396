/**
 * Runs once when the server starts, before it answers any request: checks the
 * configuration, opens (and so migrates) the database, makes the configured Verify
 * credentials the only ones, and on the very first start prints generated ones once.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` may load this file to prerender; the build needs no configuration.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { StartUpError, startUp } = await import("./lib/start-up");
  try {
    await startUp();
  } catch (error) {
    if (!(error instanceof StartUpError)) throw error;
    // Next would log a thrown error and keep serving pages that cannot work; a server that
    // stops with the reason is the honest answer to a configuration that cannot.
    console.error(`\n${error.message}\n`);
    process.exit(1);
  }
}
