// Runs in the browser before the app's modules (Next.js instrumentation-client). zod 4 probes `new Function`
// to compile fast object parsers; under our CSP (no 'unsafe-eval', server/http/csp.ts) that probe is refused
// and reported as a violation on every page. The interpreted parser gives the same answers, so use it.
import { config } from "zod";

config({ jitless: true });
