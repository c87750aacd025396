import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // This folder is an app of its own inside the project's checkout: without a root, Next
  // would take the project's lockfile for the workspace's and trace files from there.
  turbopack: { root: import.meta.dirname },
  outputFileTracingRoot: import.meta.dirname,
};

export default nextConfig;
