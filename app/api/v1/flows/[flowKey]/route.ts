// Flows as files over HTTP, for the CLI (`weft export` / `weft import`) and scripts: a personal access token
// (`Authorization: Bearer weft_pat_…`) or a session. The same tRPC procedures as the app, so the same role
// checks and audit. GET ?version=1.2.0 exports a published version, ?env=production the version live in that
// environment (default: the draft); PUT imports a
// document as the draft (?force=1 overwrites draft edits that are in no version).
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { createCaller } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { readLimited } from "@/server/http/body";
import { MAX_DRAFT_BYTES } from "@/server/flows/drafts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Params = { params: Promise<{ flowKey: string }> };

async function handle(
  req: Request,
  fn: (caller: ReturnType<typeof createCaller>) => Promise<unknown>,
): Promise<Response> {
  try {
    const caller = createCaller(await createContext({ headers: req.headers }));
    return Response.json(await fn(caller));
  } catch (err) {
    if (err instanceof TRPCError)
      return Response.json({ error: err.message, code: err.code }, { status: getHTTPStatusCodeFromError(err) });
    throw err;
  }
}

export async function GET(req: Request, { params }: Params) {
  const { flowKey } = await params;
  const search = new URL(req.url).searchParams;
  const version = search.get("version") ?? undefined;
  const environment = search.get("env") ?? undefined;
  return handle(req, (caller) => caller.flowFiles.export({ flowKey, version, environment }));
}

export async function PUT(req: Request, { params }: Params) {
  const { flowKey } = await params;
  const body = await readLimited(req, MAX_DRAFT_BYTES);
  if (!body)
    return Response.json(
      { error: `The document is larger than ${MAX_DRAFT_BYTES} bytes; split the flow into subflows.` },
      { status: 413 },
    );
  let document: unknown;
  try {
    document = JSON.parse(body.toString("utf8"));
  } catch (e) {
    return Response.json({ error: `The body is not JSON: ${(e as Error).message}` }, { status: 400 });
  }
  const docKey = (document as { key?: unknown } | null)?.key;
  if (docKey !== flowKey)
    return Response.json(
      { error: `The document's key ${JSON.stringify(docKey ?? null)} is not "${flowKey}", the flow this URL names.` },
      { status: 400 },
    );
  const force = ["1", "true"].includes(new URL(req.url).searchParams.get("force") ?? "");
  return handle(req, (caller) => caller.flowFiles.import({ document, force }));
}
