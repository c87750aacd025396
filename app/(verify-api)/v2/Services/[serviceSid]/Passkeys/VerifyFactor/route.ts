import { verifyFactor } from "@/lib/verify/factors/verify-registration";
import { verifyRoutes } from "@/lib/verify/http";

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes<{ serviceSid: string }>({ POST: verifyFactor });
