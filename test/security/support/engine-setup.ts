// With OWLBANK_TEST_ENGINE=postgres, the production servers this file starts
// (test/helpers/server.ts) create their databases on the run's PostgreSQL server
// (test/global-setup.ts). server.ts cannot ask Vitest itself: the benchmark and Playwright
// import it too. So the admin URL goes through the environment, set here in each worker.
import { inject } from "vitest";

const adminUrl = inject("postgresAdminUrl");
if (adminUrl) process.env.OWLBANK_TEST_POSTGRES_ADMIN_URL = adminUrl;
