import { toNextJsHandler } from "better-auth/next-js";
import { auth } from "@/server/auth/auth";
import { refuseUnstorableJson } from "@/server/http/body";

export async function GET(req: Request) {
  return toNextJsHandler(auth()).GET(req);
}
export async function POST(req: Request) {
  // The input guard first: a NUL in an email or name reached Postgres through better-auth as a 500.
  return (await refuseUnstorableJson(req)) ?? toNextJsHandler(auth()).POST(req);
}
