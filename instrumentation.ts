/**
 * Runs once when the server starts: opens (and so migrates) the database, provisions the
 * embedded Verify account, and on the very first start prints its credentials once.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startUp } = await import("./lib/start-up");
  startUp();
}
