"use client";
// OpenAPI imports: the list of imported connectors, and (for admins) an upload — a JSON/YAML file (also
// gzipped) or a URL the server fetches through its SSRF guard — previewed (operations, warnings) before
// it is saved as a connector that connections and flows can use.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Badge, type Tone } from "@/components/ui/badge";
import { useTRPC } from "@/components/trpc/client";
import { ago } from "./format";
import type { ImportPreview } from "./types";

const inputCls = "mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";
const METHOD_TONE: Record<string, Tone> = { GET: "blue", POST: "green", PUT: "amber", PATCH: "amber", DELETE: "red" };

async function readFile(f: File): Promise<string> {
  if (/\.gz$/i.test(f.name)) return new Response(f.stream().pipeThrough(new DecompressionStream("gzip"))).text();
  return f.text();
}

export function OpenApiImports({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const imported = useQuery(trpc.connections.importedList.queryOptions());
  const [error, setError] = useState<string | null>(null);
  const remove = useMutation(
    trpc.connections.deleteImported.mutationOptions({
      onSuccess: () =>
        Promise.all([
          qc.invalidateQueries({ queryKey: trpc.connections.importedList.queryKey() }),
          qc.invalidateQueries({ queryKey: trpc.connections.connectors.queryKey() }),
        ]),
      onError: (e) => setError(e.message),
    }),
  );

  return (
    <div className="rounded-lg border border-slate-200 bg-white" role="region" aria-label="OpenAPI imports">
      <div className="border-b border-slate-200 px-5 py-3">
        <h2 className="font-medium text-slate-900">Imported connectors (OpenAPI)</h2>
        <p className="text-xs text-slate-500">
          Any REST API with an OpenAPI 3.0 or 3.1 document becomes a connector: every operation is a typed action in the
          designer.
        </p>
      </div>
      {error && (
        <p role="alert" className="mx-5 mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
      {imported.data && imported.data.length > 0 ? (
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Imported connectors</caption>
          <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-5 py-2">Connector</th>
              <th className="px-3 py-2">Operations</th>
              <th className="px-3 py-2">Connections</th>
              <th className="px-3 py-2">Imported</th>
              <th className="px-5 py-2 text-right">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {imported.data.map((r) => (
              <tr key={r.key}>
                <td className="px-5 py-2">
                  <span className="font-medium">{r.name}</span>
                  <span className="block font-mono text-xs text-slate-500">{r.key}</span>
                  {r.sourceUrl && <span className="block truncate text-xs text-slate-400">{r.sourceUrl}</span>}
                </td>
                <td className="px-3 py-2">{r.operationCount}</td>
                <td className="px-3 py-2">{r.connections}</td>
                <td className="px-3 py-2 text-xs text-slate-600">
                  {ago(r.createdAt)}
                  {r.createdBy ? ` by ${r.createdBy}` : ""}
                </td>
                <td className="px-5 py-2 text-right">
                  {canEdit && (
                    <button
                      type="button"
                      className="rounded-md border border-red-200 px-2.5 py-1 text-xs font-medium text-red-700 hover:bg-red-50"
                      aria-label={`Delete imported connector ${r.name}`}
                      onClick={() => {
                        setError(null);
                        if (window.confirm(`Delete the imported connector "${r.name}"?`)) remove.mutate({ key: r.key });
                      }}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="px-5 py-4 text-sm text-slate-500">No imported connectors yet.</p>
      )}
      {canEdit && <ImportForm />}
    </div>
  );
}

function ImportForm() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [mode, setMode] = useState<"file" | "url">("file");
  const [text, setText] = useState<string | null>(null);
  const [fileName, setFileName] = useState<string | null>(null);
  const [url, setUrl] = useState("");
  const [key, setKey] = useState("");
  const [name, setName] = useState("");
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const source = mode === "file" ? (text !== null ? { text } : null) : url ? { url } : null;

  const previewM = useMutation(
    trpc.connections.previewImport.mutationOptions({
      onSuccess: (p) => {
        setPreview(p);
        setKey(p.key);
        setName(p.name);
      },
      onError: (e) => setError(e.data?.zodIssues?.[0]?.message ?? e.message),
    }),
  );
  const save = useMutation(
    trpc.connections.saveImport.mutationOptions({
      onSuccess: async (r) => {
        setSaved(`Saved “${r.name}” (${r.key}) with ${r.operationCount} operations. Create a connection for it above.`);
        setPreview(null);
        setText(null);
        setFileName(null);
        setUrl("");
        await Promise.all([
          qc.invalidateQueries({ queryKey: trpc.connections.importedList.queryKey() }),
          qc.invalidateQueries({ queryKey: trpc.connections.connectors.queryKey() }),
          qc.invalidateQueries({ queryKey: trpc.connections.catalog.queryKey() }),
        ]);
      },
      onError: (e) => setError(e.data?.zodIssues?.[0]?.message ?? e.message),
    }),
  );

  return (
    <div className="border-t border-slate-200 px-5 py-4">
      <h3 className="text-sm font-semibold text-slate-800">Import an OpenAPI document</h3>
      <div className="mt-2 flex gap-4 text-sm" role="radiogroup" aria-label="Source">
        {(["file", "url"] as const).map((m) => (
          <label key={m} className="flex items-center gap-1.5">
            <input type="radio" name="openapi-source" checked={mode === m} onChange={() => setMode(m)} />{" "}
            {m === "file" ? "Upload a file" : "Fetch from a URL"}
          </label>
        ))}
      </div>
      <div className="mt-3 grid gap-3 md:grid-cols-[1fr_auto] md:items-end">
        {mode === "file" ? (
          <label className="block text-xs font-medium text-slate-700">
            OpenAPI document (JSON or YAML, optionally .gz)
            <input
              type="file"
              accept=".json,.yaml,.yml,.gz,application/json,application/yaml"
              className="mt-1 block w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm"
              onChange={async (e) => {
                const f = e.target.files?.[0];
                setPreview(null);
                setError(null);
                setSaved(null);
                if (!f) return setText(null);
                try {
                  setText(await readFile(f));
                  setFileName(f.name);
                } catch (err) {
                  setError(`Could not read ${f.name}: ${(err as Error).message}`);
                }
              }}
            />
          </label>
        ) : (
          <label className="block text-xs font-medium text-slate-700">
            Document URL
            <input
              type="url"
              className={inputCls}
              placeholder="https://api.example.com/openapi.json"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />
          </label>
        )}
        <button
          type="button"
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50 disabled:opacity-50"
          disabled={!source || previewM.isPending}
          onClick={() => {
            setError(null);
            setSaved(null);
            if (source) previewM.mutate(source);
          }}
        >
          {previewM.isPending ? "Reading…" : "Preview operations"}
        </button>
      </div>
      {fileName && mode === "file" && !preview && (
        <p className="mt-1 text-xs text-slate-500">
          {fileName} loaded ({Math.round((text?.length ?? 0) / 1024)} KB).
        </p>
      )}
      {error && (
        <p role="alert" className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
      {saved && (
        <p role="status" className="mt-3 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {saved}
        </p>
      )}
      {preview && source && (
        <PreviewPanel
          preview={preview}
          keyValue={key}
          name={name}
          onKey={setKey}
          onName={setName}
          saving={save.isPending}
          onSave={() => {
            setError(null);
            save.mutate({ ...source, key, name });
          }}
        />
      )}
    </div>
  );
}

function PreviewPanel({
  preview,
  keyValue,
  name,
  onKey,
  onName,
  onSave,
  saving,
}: {
  preview: ImportPreview;
  keyValue: string;
  name: string;
  onKey: (v: string) => void;
  onName: (v: string) => void;
  onSave: () => void;
  saving: boolean;
}) {
  const [filter, setFilter] = useState("");
  const shown = useMemo(() => {
    const f = filter.toLowerCase();
    return preview.operations.filter((o) => !f || `${o.method} ${o.path} ${o.key} ${o.name}`.toLowerCase().includes(f));
  }, [filter, preview.operations]);
  return (
    <div className="mt-4 rounded-md border border-slate-200" role="region" aria-label="Import preview">
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-slate-50 px-4 py-3">
        <div className="min-w-0">
          <p className="font-medium text-slate-900">
            {preview.name} <span className="text-sm font-normal text-slate-500">v{preview.version}</span>
          </p>
          <p className="text-xs text-slate-500">
            {preview.operationCount} operations
            {preview.baseUrl
              ? ` · ${preview.baseUrl}`
              : " · no absolute server URL (set the base URL on the connection)"}
          </p>
        </div>
        {preview.warnings.length > 0 ? (
          <Badge tone="amber">{preview.warnings.length} warnings</Badge>
        ) : (
          <Badge tone="green">No warnings</Badge>
        )}
      </div>
      {preview.warnings.length > 0 && (
        <details className="border-b border-slate-200 px-4 py-2 text-xs text-amber-800">
          <summary className="cursor-pointer">Converter warnings</summary>
          <ul className="mt-1 max-h-40 list-disc overflow-y-auto pl-5">
            {preview.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </details>
      )}
      <div className="px-4 py-2">
        <input
          type="search"
          aria-label="Filter operations"
          placeholder="Filter operations…"
          className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      </div>
      <div className="max-h-80 overflow-y-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Operations the document yields</caption>
          <thead className="sticky top-0 bg-white text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-4 py-1.5">Method</th>
              <th className="px-3 py-1.5">Path</th>
              <th className="px-3 py-1.5">Action</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {shown.slice(0, 300).map((o) => (
              <tr key={o.key}>
                <td className="px-4 py-1.5">
                  <Badge tone={METHOD_TONE[o.method] ?? "gray"}>{o.method}</Badge>
                </td>
                <td className="break-all px-3 py-1.5 font-mono text-xs">{o.path}</td>
                <td className="px-3 py-1.5">
                  <span className="text-slate-900">{o.name}</span>
                  <span className="block break-all font-mono text-xs text-slate-400">{o.key}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length > 300 && (
          <p className="px-4 py-2 text-xs text-slate-500">…and {shown.length - 300} more (filter to find one).</p>
        )}
      </div>
      <div className="grid gap-3 border-t border-slate-200 px-4 py-3 md:grid-cols-[1fr_1fr_auto] md:items-end">
        <label className="block text-xs font-medium text-slate-700">
          Connector name
          <input className={inputCls} value={name} onChange={(e) => onName(e.target.value)} />
        </label>
        <label className="block text-xs font-medium text-slate-700">
          Connector key
          <input className={`${inputCls} font-mono`} value={keyValue} onChange={(e) => onKey(e.target.value)} />
        </label>
        <button
          type="button"
          className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
          disabled={saving}
          onClick={onSave}
        >
          {saving ? "Saving…" : "Save connector"}
        </button>
      </div>
    </div>
  );
}
