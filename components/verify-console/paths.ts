/** Where each console page lives; the pages and their links build URLs only here. */
const ROOT = "/dev/verify";

export const consolePaths = {
  services: ROOT,
  service: (serviceSid: string) => `${ROOT}/services/${serviceSid}`,
  entity: (serviceSid: string, identity: string) => `${ROOT}/services/${serviceSid}/entities/${encodeURIComponent(identity)}`,
  factor: (serviceSid: string, identity: string, factorSid: string) =>
    `${consolePaths.entity(serviceSid, identity)}/factors/${factorSid}`,
  challenge: (serviceSid: string, identity: string, challengeSid: string) =>
    `${consolePaths.entity(serviceSid, identity)}/challenges/${challengeSid}`,
};
