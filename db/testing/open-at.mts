// Opens (and so migrates) a SQLite file at a given instant, then prints "ok" or the error:
// db/client.test.ts starts several of these together to race on one fresh file.
import { openDatabase } from "../client";

const [file, at] = [process.argv[2], Number(process.argv[3])];
await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
while (Date.now() < at); // the last milliseconds spun, so every process starts within one
try {
  const connection = openDatabase({ engine: "sqlite", file }, { poolSize: 1, timeoutSeconds: 5 });
  await connection.ready;
  await connection.close();
  console.log("ok");
} catch (error) {
  console.log(`failed: ${(error as Error).message.split("\n")[0]}`);
}
