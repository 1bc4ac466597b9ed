"use client";
// Create / edit a connection. The settings fields come from the connector's auth config schema and the
// secret fields from its secrets schema (both from the manifest, via connections.connectors) — nothing
// here is written per connector. Secrets are write-only: blank keeps the stored value.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { SchemaFields, prune, humanize, type FieldErrors, type JsonSchema } from "./schema-form";
import type { ConnectionRow, ConnectorEntry } from "./types";

const inputCls = "mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

/** Multi-line secrets (PEM keys) need a textarea: a password input drops the newlines. */
function multiline(s: JsonSchema): boolean {
  return /PRIVATE KEY/.test(s.pattern ?? "") || /\bPEM\b/.test(s.description ?? "");
}

export function ConnectionForm({
  connectors,
  existing,
  onClose,
}: {
  connectors: ConnectorEntry[];
  existing?: ConnectionRow;
  onClose: (savedKey?: string) => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const creatable = connectors.filter((c) => c.needsConnection);
  const [connectorKey, setConnectorKey] = useState(existing?.connectorKey ?? creatable[0]?.key ?? "");
  const connector = connectors.find((c) => c.key === connectorKey);
  const [name, setName] = useState(existing?.name ?? "");
  const [key, setKey] = useState(existing?.key ?? "");
  const [keyTouched, setKeyTouched] = useState(false);
  const [config, setConfig] = useState<Record<string, unknown>>(existing ? { ...existing.config } : {});
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  // One host per line; the server checks each entry (connectors/sdk/credential-scope.ts allowedHostSchema).
  const [allowedHosts, setAllowedHosts] = useState(existing?.allowedHosts.join("\n") ?? "");
  const [clear, setClear] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [onClose]);

  const secretSchema = (connector?.auth.secrets ?? {}) as JsonSchema;
  const secretProps = Object.entries(secretSchema.properties ?? {});
  const requiredSecrets = new Set(secretSchema.required ?? []);
  const effectiveKey = existing ? existing.key : keyTouched ? key : slug(`${connectorKey}-${name}`);

  const onError = (e: {
    message: string;
    data?: { zodIssues?: Array<{ path: string[]; message: string }> | null } | null;
  }) => {
    const issues = e.data?.zodIssues ?? [];
    const fe: FieldErrors = {};
    // Input-shape issues name the input field (key, name…); settings issues are paths inside the config.
    for (const i of issues) fe[i.path[0] === "config" ? i.path.slice(1).join(".") : i.path.join(".")] = i.message;
    setFieldErrors(fe);
    // Input-shape issues are shown at their fields; tRPC's message for them is the raw issue list.
    setError(issues.length ? "Some fields need attention — see the messages below them." : e.message);
  };
  const done = async (savedKey: string) => {
    await qc.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
    onClose(savedKey);
  };
  const create = useMutation(trpc.connections.create.mutationOptions({ onError, onSuccess: (v) => done(v.key) }));
  const update = useMutation(trpc.connections.update.mutationOptions({ onError, onSuccess: (v) => done(v.key) }));
  const pending = create.isPending || update.isPending;

  const secretUpdate = useMemo(() => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(secrets)) if (v !== "") out[k] = v;
    for (const [k, c] of Object.entries(clear)) if (c) out[k] = "";
    return out;
  }, [secrets, clear]);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldErrors({});
    const cfg = prune(config) as Record<string, unknown>;
    const hosts = allowedHosts.split(/[\s,]+/).filter(Boolean);
    if (existing) update.mutate({ key: existing.key, name, config: cfg, allowedHosts: hosts, secrets: secretUpdate });
    else
      create.mutate({ key: effectiveKey, name, connectorKey, config: cfg, allowedHosts: hosts, secrets: secretUpdate });
  };

  return (
    <div className="fixed inset-0 z-40 flex justify-end bg-slate-900/30" role="presentation" onClick={() => onClose()}>
      <form
        role="dialog"
        aria-modal="true"
        aria-labelledby="connection-form-title"
        className="flex h-full w-full max-w-xl flex-col bg-white shadow-xl"
        onClick={(e) => e.stopPropagation()}
        onSubmit={submit}
      >
        <header className="border-b border-slate-200 px-6 py-4">
          <h2 id="connection-form-title" className="text-lg font-semibold text-slate-900">
            {existing ? `Edit ${existing.name}` : "New connection"}
          </h2>
          <p className="text-sm text-slate-500">
            {existing
              ? `${connector?.name ?? existing.connectorKey} · ${existing.key}`
              : "Credentials and settings for one system; flows refer to it by its key."}
          </p>
        </header>
        <div className="flex-1 space-y-5 overflow-y-auto px-6 py-5">
          {error && (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
              {error}
            </p>
          )}
          {!existing && (
            <label className="block text-xs font-medium text-slate-700">
              Connector
              <select
                className={inputCls}
                value={connectorKey}
                onChange={(e) => {
                  setConnectorKey(e.target.value);
                  setConfig({});
                  setSecrets({});
                  setFieldErrors({});
                }}
              >
                {creatable.map((c) => (
                  <option key={c.key} value={c.key}>
                    {c.name}
                    {c.source === "imported" ? " (imported)" : ""}
                  </option>
                ))}
              </select>
            </label>
          )}
          {connector && <p className="-mt-3 text-xs text-slate-500">{connector.description}</p>}
          <div className="grid grid-cols-2 gap-3">
            <label className="block text-xs font-medium text-slate-700">
              Name
              <input
                className={inputCls}
                required
                autoFocus
                value={name}
                placeholder="e.g. Salesforce — production"
                onChange={(e) => setName(e.target.value)}
              />
            </label>
            <label className="block text-xs font-medium text-slate-700">
              Key
              <input
                className={`${inputCls} font-mono`}
                required
                disabled={!!existing}
                value={effectiveKey}
                onChange={(e) => {
                  setKeyTouched(true);
                  setKey(e.target.value);
                }}
              />
              {fieldErrors.key && (
                <span className="mt-0.5 block text-xs font-normal text-red-700">{fieldErrors.key}</span>
              )}
            </label>
          </div>

          {connector && Object.keys((connector.auth.config as JsonSchema).properties ?? {}).length > 0 && (
            <section aria-labelledby="settings-h">
              <h3 id="settings-h" className="mb-2 text-sm font-semibold text-slate-800">
                Settings
              </h3>
              <SchemaFields
                schema={connector.auth.config as JsonSchema}
                value={config}
                onChange={setConfig}
                errors={fieldErrors}
              />
            </section>
          )}

          {secretProps.length > 0 && (
            <section aria-labelledby="secrets-h">
              <h3 id="secrets-h" className="text-sm font-semibold text-slate-800">
                Secrets
              </h3>
              <p className="mb-2 text-xs text-slate-500">
                Encrypted at rest (AES-256-GCM) and never shown again.{" "}
                {existing ? "Leave a field blank to keep its stored value." : ""}
              </p>
              <div className="space-y-3">
                {secretProps.map(([k, s]) => {
                  const isSet = existing?.secretFields.includes(k) ?? false;
                  const id = `secret-${k}`;
                  const placeholder = isSet
                    ? "•••••••• stored — leave blank to keep"
                    : requiredSecrets.has(k)
                      ? "required"
                      : "optional";
                  return (
                    <div key={k}>
                      <span className="flex items-baseline justify-between text-xs font-medium text-slate-700">
                        <label htmlFor={id}>{humanize(k)}</label>
                        {isSet ? (
                          <span className="font-normal text-emerald-700">set</span>
                        ) : (
                          <span className="font-normal text-slate-400">
                            {requiredSecrets.has(k) ? "required" : "optional"}
                          </span>
                        )}
                      </span>
                      {multiline(s) ? (
                        <textarea
                          id={id}
                          rows={4}
                          autoComplete="off"
                          spellCheck={false}
                          className={`${inputCls} font-mono text-xs [-webkit-text-security:disc]`}
                          placeholder={placeholder}
                          disabled={clear[k]}
                          value={secrets[k] ?? ""}
                          onChange={(e) => setSecrets({ ...secrets, [k]: e.target.value })}
                        />
                      ) : (
                        <input
                          id={id}
                          type="password"
                          autoComplete="new-password"
                          className={inputCls}
                          placeholder={placeholder}
                          disabled={clear[k]}
                          value={secrets[k] ?? ""}
                          onChange={(e) => setSecrets({ ...secrets, [k]: e.target.value })}
                        />
                      )}
                      {s.description && <p className="mt-0.5 text-xs text-slate-500">{s.description}</p>}
                      {isSet && (
                        <label className="mt-1 flex items-center gap-1.5 text-xs text-slate-600">
                          <input
                            type="checkbox"
                            checked={!!clear[k]}
                            onChange={(e) => setClear({ ...clear, [k]: e.target.checked })}
                          />{" "}
                          Remove the stored {humanize(k).toLowerCase()}
                        </label>
                      )}
                    </div>
                  );
                })}
              </div>
            </section>
          )}

          {secretProps.length > 0 && (
            <section aria-labelledby="allowed-hosts-h">
              <h3 id="allowed-hosts-h" className="text-sm font-semibold text-slate-800">
                Allowed hosts
              </h3>
              <p className="mb-2 text-xs text-slate-500">
                The credentials are sent only to the URLs in the settings above. List any other host a flow may call
                with them — one per line: <code>api.example.com</code>, <code>host:8443</code>,{" "}
                <code>*.example.com</code> or <code>https://files.example.com</code>.
              </p>
              <textarea
                id="allowed-hosts"
                aria-labelledby="allowed-hosts-h"
                rows={3}
                spellCheck={false}
                className={`${inputCls} font-mono text-xs`}
                placeholder="none"
                value={allowedHosts}
                onChange={(e) => setAllowedHosts(e.target.value)}
              />
              {Object.entries(fieldErrors)
                .filter(([k]) => k.startsWith("allowedHosts"))
                .map(([k, m]) => (
                  <span key={k} className="mt-0.5 block text-xs text-red-700">
                    {allowedHosts.split(/[\s,]+/).filter(Boolean)[Number(k.split(".")[1])] ?? ""} — {m}
                  </span>
                ))}
            </section>
          )}
        </div>
        <footer className="flex justify-end gap-2 border-t border-slate-200 px-6 py-3">
          <button
            type="button"
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm"
            onClick={() => onClose()}
          >
            Cancel
          </button>
          <button
            type="submit"
            disabled={pending || !connector}
            className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
          >
            {pending ? "Saving…" : existing ? "Save changes" : "Create connection"}
          </button>
        </footer>
      </form>
    </div>
  );
}
