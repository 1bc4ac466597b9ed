"use client";
// Everything a sender needs to call a webhook-triggered flow, in the trigger's inspector: the URL, the signing
// scheme, the state of the signing secret (and, for those who may create connections, a one-click "create the
// secret" that generates it on the server and shows it once), and a curl example that signs from an
// environment variable.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { webhookPath, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_TOLERANCE_SECONDS } from "@/core/dsl";
import { SECRET_ENV, exampleBody, webhookCurlExample } from "./webhook-example";

function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      aria-label={label}
      className="rounded border border-slate-300 bg-white px-2 py-0.5 text-[11px] font-medium text-slate-700 hover:bg-slate-50"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        });
      }}
    >
      {done ? "Copied" : "Copy"}
    </button>
  );
}

export function WebhookSetup({
  flowKey,
  secretKey,
  toleranceSeconds,
  sample,
  readOnly,
}: {
  flowKey: string;
  secretKey: string;
  toleranceSeconds?: number;
  sample?: unknown;
  readOnly: boolean;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [origin, setOrigin] = useState("");
  useEffect(() => setOrigin(window.location.origin), []);
  const url = `${origin}${webhookPath(flowKey)}`;
  const me = useQuery(trpc.session.me.queryOptions());
  const canCreate = !!me.data?.roles.includes("admin");
  const state = useQuery({
    ...trpc.connections.webhookSecret.queryOptions({ key: secretKey }),
    enabled: secretKey.length > 0,
  });
  const [created, setCreated] = useState<{ key: string; secret: string } | null>(null);
  const create = useMutation(
    trpc.connections.createWebhookSecret.mutationOptions({
      onSuccess: (r) => {
        setCreated({ key: r.key, secret: r.secret });
        // The validator reads the workspace's connections from the designer catalog.
        void qc.invalidateQueries({ queryKey: trpc.connections.webhookSecret.queryKey({ key: secretKey }) });
        void qc.invalidateQueries({ queryKey: trpc.flows.designerCatalog.queryKey() });
        void qc.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
      },
    }),
  );
  const s = state.data;
  const curl = webhookCurlExample({ url, secretKey, body: exampleBody(sample) });

  return (
    <div className="space-y-3 text-xs" data-testid="webhook-setup">
      <div className="space-y-1">
        <p className="font-medium text-slate-700">Webhook URL</p>
        <div className="flex items-center gap-2">
          <code
            className="min-w-0 flex-1 select-all break-all rounded bg-slate-100 px-2 py-1 font-mono text-[11px] text-slate-800"
            data-testid="webhook-url"
          >
            POST {url}
          </code>
          <CopyButton text={url} label="Copy webhook URL" />
        </div>
        <p className="text-[11px] text-slate-500">
          Answers 202 with the run id once the flow is published; only the published version runs.
        </p>
      </div>

      <div className="space-y-1">
        <p className="font-medium text-slate-700">Signing</p>
        <p className="text-[11px] leading-snug text-slate-600">
          Send <code className="font-mono">content-type: application/json</code>,{" "}
          <code className="font-mono">{WEBHOOK_TIMESTAMP_HEADER}</code> (Unix seconds, at most{" "}
          {toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS} s old) and{" "}
          <code className="font-mono">
            {WEBHOOK_SIGNATURE_HEADER}: v1=HMAC-SHA256(secret, &quot;timestamp.body&quot;)
          </code>{" "}
          in hex, over the exact bytes of the body.
        </p>
      </div>

      <div className="space-y-1" aria-label="Signing secret" role="group">
        <p className="font-medium text-slate-700">Signing secret</p>
        {!secretKey ? (
          <p className="text-red-700">Name the connection that holds the signing secret in “secret” above.</p>
        ) : state.isLoading ? (
          <p className="text-slate-500">Checking {secretKey}…</p>
        ) : state.error ? (
          <p role="alert" className="text-red-700">
            {state.error.message}
          </p>
        ) : s?.state === "ready" ? (
          <p className="text-emerald-800" data-testid="webhook-secret-state">
            ✓ Stored (encrypted) in connection <span className="font-mono">{secretKey}</span> — {s.name}. Its value is
            never shown again; rotate it on the Connections page.
          </p>
        ) : (
          <div className="space-y-2 rounded-md border border-red-200 bg-red-50 p-2">
            <p className="text-red-800" data-testid="webhook-secret-state">
              {s?.state === "missing" && (
                <>
                  Missing: there is no connection <span className="font-mono">{secretKey}</span>, so the published flow
                  would refuse every call (503).
                </>
              )}
              {s?.state === "empty" && (
                <>
                  Connection <span className="font-mono">{secretKey}</span> ({s.name}) has no signing secret yet, so the
                  published flow would refuse every call (503).
                </>
              )}
              {s?.state === "wrong-connector" && (
                <>
                  <span className="font-mono">{secretKey}</span> is a {s.connectorKey} connection, not a webhook signing
                  secret: name another one above.
                </>
              )}
            </p>
            {s?.state !== "wrong-connector" &&
              (canCreate ? (
                <button
                  type="button"
                  disabled={readOnly || create.isPending}
                  className="rounded-md bg-slate-900 px-2.5 py-1 text-xs font-medium text-white hover:bg-slate-700 disabled:opacity-50"
                  onClick={() => create.mutate({ key: secretKey, flowKey })}
                >
                  {create.isPending ? "Creating…" : "Create the secret"}
                </button>
              ) : (
                <p className="text-[11px] text-slate-600">
                  Only an administrator can create connections: ask one to open this trigger and click “Create the
                  secret”.
                </p>
              ))}
            {create.error && (
              <p role="alert" className="text-red-700">
                {create.error.message}
              </p>
            )}
          </div>
        )}
        {created && created.key === secretKey && (
          <div role="status" className="space-y-1 rounded-md border border-emerald-200 bg-emerald-50 p-2">
            <p className="font-medium text-emerald-900">
              Secret created. Copy it now and give it to the sender: it is not shown again.
            </p>
            <div className="flex items-center gap-2">
              <code
                data-testid="webhook-new-secret"
                className="min-w-0 flex-1 select-all break-all rounded bg-white px-2 py-1 font-mono text-[11px] ring-1 ring-emerald-200"
              >
                {created.secret}
              </code>
              <CopyButton text={created.secret} label="Copy the secret" />
            </div>
            <button type="button" className="text-[11px] text-emerald-900 underline" onClick={() => setCreated(null)}>
              I have stored it — hide
            </button>
          </div>
        )}
      </div>

      <div className="space-y-1">
        <div className="flex items-center justify-between">
          <p className="font-medium text-slate-700">Try it with curl</p>
          <CopyButton text={curl} label="Copy curl example" />
        </div>
        <p className="text-[11px] text-slate-500">
          Set <code className="font-mono">{SECRET_ENV}</code> to the secret first (
          <code className="font-mono">export {SECRET_ENV}=…</code>); the example signs with openssl and never contains
          it.
        </p>
        <pre
          className="max-h-56 overflow-auto rounded-md bg-slate-900 p-2 font-mono text-[10.5px] leading-snug text-slate-100"
          data-testid="webhook-curl"
        >
          {curl}
        </pre>
      </div>
    </div>
  );
}
