import { verifyRoutes } from "@/lib/verify/http";
import * as services from "@/lib/verify/services/service";

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes<{ serviceSid: string }>({
  GET: services.fetch,
  POST: services.update,
  DELETE: services.remove,
});
