/** An HTTP Basic `Authorization` value. Dependency-free, so scripts outside Next (the benchmark) can use it. */
export const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
