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

/**
 * The breadcrumbs of a page below `service` (and `entity`): every level above the page, each a
 * link. The page adds its own, unlinked, last crumb.
 */
export function crumbsBelow(service: { sid: string; friendlyName: string }, entity?: { identity: string }): { label: string; href: string }[] {
  return [
    { label: "Services", href: consolePaths.services },
    { label: service.friendlyName, href: consolePaths.service(service.sid) },
    ...(entity ? [{ label: entity.identity, href: consolePaths.entity(service.sid, entity.identity) }] : []),
  ];
}
