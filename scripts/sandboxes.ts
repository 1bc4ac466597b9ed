// `npm run sandboxes [-- --host 127.0.0.1 --port 4100]`: starts the vendor sandboxes and prints one JSON
// line per system (base URL, credentials, connection config and secrets) on stdout; the allow-list hint
// goes to stderr. Runs until interrupted.
import { startSandboxes } from "../connectors/sandboxes";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const host = arg("host") ?? process.env.WEFT_SANDBOX_HOST ?? "127.0.0.1";
const portArg = arg("port") ?? process.env.WEFT_SANDBOX_BASE_PORT ?? "4100";
const basePort = portArg === "0" ? undefined : Number(portArg);

const started = await startSandboxes({ host, basePort });
for (const s of started.systems) process.stdout.write(`${JSON.stringify(s)}\n`);
process.stderr.write(`sandboxes ready — allow them with WEFT_HTTP_ALLOWLIST="${started.allowHosts.join(",")}"\n`);

const stop = async () => {
  await started.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
