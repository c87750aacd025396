/**
 * A server action that throws on the client: the network dropped, or a new deploy replaced
 * the action this page was built with. React surfaces that as a rejected promise, which a
 * plain event handler would leave unhandled, with its "Sending…" on screen for good.
 */

export const SERVER_UNREACHABLE_MESSAGE = "We couldn't reach OwlBank. Check your connection, then try again.";

/**
 * Wraps an event handler that calls server actions: if it throws, `report` gets a readable
 * message (the handler's own progress must give way to it), and the error goes to the console.
 */
export function reportFailures<A extends unknown[]>(
  report: (message: string) => void,
  handler: (...args: A) => Promise<unknown>,
  message = SERVER_UNREACHABLE_MESSAGE,
): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await handler(...args);
    } catch (error) {
      console.error("A request to OwlBank failed:", error);
      report(message);
    }
  };
}
