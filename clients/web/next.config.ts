import path from "node:path";
import type { NextConfig } from "next";

const repoRoot = path.resolve(process.cwd(), "../..");

const config: NextConfig = {
  // The typed client is TypeScript source in clients/typescript (linked by npm).
  transpilePackages: ["@warmtransfer/client"],
  outputFileTracingRoot: repoRoot,
  // Compression buffers Server-Sent Events; the console is served on a LAN or behind a proxy
  // that compresses.
  compress: false,
  poweredByHeader: false,
  // The client's sources import each other as `./x.js` (Node ESM style): resolve those to `.ts`.
  webpack(webpackConfig: { resolve: { extensionAlias?: Record<string, string[]> } }) {
    webpackConfig.resolve.extensionAlias = { ".js": [".ts", ".tsx", ".js"] };
    return webpackConfig;
  },
};

export default config;
