import { verifyRoutes } from "@/lib/verify/http";
import * as services from "@/lib/verify/services/service";

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes({ GET: services.list, POST: services.create });
