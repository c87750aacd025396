// Types for scripts/postgres.mjs, which the test set-up imports from TypeScript.
export function databaseUrl(adminUrl: string, name: string): string;
export function startPostgres(options?: { log?: (line: string) => void }): Promise<{
  adminUrl: string;
  server: unknown;
  /** The server's data directory; undefined for OWLBANK_TEST_POSTGRES_URL's server. */
  dataDir: string | undefined;
  /** SIGKILLs the postmaster and waits for its backends to exit (a server started here only). */
  kill(): Promise<void>;
  /** Starts the server again on the same data directory and port, after kill(). */
  restart(): Promise<void>;
  createDatabase(name: string, options?: { template?: string }): Promise<string>;
  stop(): Promise<void>;
}>;
