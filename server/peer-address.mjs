/**
 * Loaded before Next (`node --import ./server/peer-address.mjs …`, as `npm start` and
 * `npm run dev` do): stamps every request with the address of the socket it arrived on.
 *
 * Next passes a client's own `X-Forwarded-For` through untouched and offers route handlers no
 * other way to the socket, so without this the app could not tell a request relayed by a
 * trusted proxy from a client naming any address it likes. The stamp overwrites whatever a
 * client sent under the same name. lib/client-address.ts reads it, and lib/start-up.ts
 * refuses to start a server that was launched without this file.
 */
import http from "node:http";
import https from "node:https";

const HEADER = "x-owlbank-peer-address";

for (const Server of [http.Server, https.Server]) {
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (event, request, ...rest) {
    if (event === "request") request.headers[HEADER] = request.socket?.remoteAddress ?? "";
    return emit.call(this, event, request, ...rest);
  };
}

globalThis[Symbol.for("owlbank.peer-address")] = HEADER;
