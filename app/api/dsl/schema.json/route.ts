// The JSON Schema of the Weft DSL (generated from the zod schema), for editors validating *.weft.json files
// (`"$schema": "https://<weft>/api/dsl/schema.json"`). Public on purpose, like /api/health: it is the same for
// every workspace and holds no workspace data, and editors fetch it without credentials.
import { dslJsonSchema } from "@/core/dsl/json-schema";

export const dynamic = "force-static";

export function GET() {
  return Response.json(dslJsonSchema(), { headers: { "cache-control": "public, max-age=3600" } });
}
