import * as factors from "@/lib/verify/factors/service";
import { verifyRoutes } from "@/lib/verify/http";

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes<{ serviceSid: string }>({ POST: factors.create });
