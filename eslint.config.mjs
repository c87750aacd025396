import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import drizzle from "eslint-plugin-drizzle";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    plugins: { drizzle },
    rules: {
      // An update or delete without `where` would touch every tenant's rows.
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
    },
  },
  {
    // The data layer is asynchronous (db/client.ts): a query that is not awaited runs after
    // the response, or not at all, and `if (findX())` tests a Promise, which is always truthy.
    files: ["**/*.ts", "**/*.tsx"],
    ignores: ["**/*.d.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
      "@typescript-eslint/await-thenable": "error",
      // Builders of both dialects share awaiting; only SQLite's have these (db/client.ts).
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[arguments.length=0][callee.property.name=/^(get|all|run)$/][callee.object.type='CallExpression']",
          message: "Await the query builder instead: .get()/.all()/.run() exist on SQLite only (db/client.ts).",
        },
      ],
    },
  },
  {
    ignores: [".next/**", "node_modules/**", "data/**", "db/migrations/**", "next-env.d.ts", "playwright-report/**", "test-results/**", "bench/results/**", "bench/peers/**"],
  },
];
export default config;
