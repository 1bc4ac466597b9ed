"use client";
// One side of a reconcile step: its name, key paths and their normalisation, scope filters and where its
// records come from (a connector operation, or a SQL query on a PostgreSQL connection).
import { useMemo } from "react";
import type { ReconSource } from "@/core/dsl";
import { outputSchemaOf, operationOf } from "../catalog";
import { useConnectorCatalog } from "../catalog-context";
import { ExpressionField, type ExprScope } from "../expression-field";
import { MappingEditor } from "./mapping-editor";
import { Check, Group, Labelled, SmallButton, TextField, type Ctl } from "./reconcile-controls";
import {
  addKeyPath,
  definitionOf,
  formatWhereValues,
  MAX_KEY_PATHS,
  parseWhereValues,
  recordFieldsOf,
  removeKeyPath,
  removeSide,
  renameSide,
  setKeyPath,
  setSide,
  setSideNormalise,
  setSource,
  setSourceKind,
  setWhere,
  sourceKind,
  MIN_SIDES,
  sideFieldsListId,
  sqlColumnsOf,
  type ReconStep,
} from "./reconcile-edits";

export interface SideProps {
  step: ReconStep;
  index: number;
  set(step: ReconStep, field: string): void;
  c: Ctl;
  connections: ReadonlyArray<{ key: string; name: string; connectorKey: string }>;
  scope: ExprScope;
}

export function SideEditor({ step, index, set, c, connections, scope }: SideProps) {
  const def = definitionOf(step);
  const side = def.sides[index]!;
  const n = index + 1;
  const at = `definition.sides.${index}`;
  const src = step.sources?.[side.name];
  const catalog = useConnectorCatalog();
  const fields = useMemo(() => {
    if (!src) return [];
    if ("sql" in src) return sqlColumnsOf(src.sql);
    const op = operationOf(catalog, src.connector, src.operation);
    return op ? recordFieldsOf(outputSchemaOf(op.output), src.items) : [];
  }, [catalog, src]);
  const listId = fields.length ? sideFieldsListId(index) : undefined;
  const norm = side.normalise ?? {};
  const maps = Object.keys(def.maps ?? {});
  const bad = [...c.problems.keys()].some((k) => k.startsWith(`${at}.`) || k.startsWith(`sources.${side.name}`));
  return (
    <Group
      title={
        <>
          Side {n}: <span className="font-mono">{side.name || "(unnamed)"}</span>
          {src && <span className="ml-1 text-slate-500">· {"connector" in src ? src.connector : "SQL"}</span>}
        </>
      }
      open={!src || bad}
      bad={bad}
      testId={`recon-side-${index}`}
    >
      {listId && (
        <datalist id={listId}>
          {fields.map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
      )}
      <div className="grid grid-cols-2 gap-2">
        <TextField
          label="Name"
          name={`Side ${n} name`}
          field={`${at}.name`}
          c={c}
          mono
          value={side.name}
          onChange={(v) => set(renameSide(step, index, v), `${at}.name`)}
        />
        <TextField
          label="Label"
          name={`Side ${n} label`}
          field={`${at}.label`}
          c={c}
          placeholder="e.g. NetSuite"
          value={side.label ?? ""}
          onChange={(v) => set(setSide(step, index, { label: v || undefined }), `${at}.label`)}
        />
      </div>
      <fieldset className="space-y-1">
        <legend className="text-[11px] font-medium text-slate-700">
          Key (one path, or up to four forming a composite key)
        </legend>
        {side.key.map((k, i) => (
          <div key={i} className="flex items-start gap-1">
            <div className="min-w-0 flex-1">
              <TextField
                label=""
                name={`Side ${n} key path ${i + 1}`}
                field={`${at}.key.${i}`}
                c={c}
                mono
                list={listId}
                placeholder="e.g. customer.id"
                value={k}
                onChange={(v) => set(setKeyPath(step, index, i, v), `${at}.key.${i}`)}
              />
            </div>
            {side.key.length > 1 && (
              <SmallButton
                tone="danger"
                label={`Remove side ${n} key path ${i + 1}`}
                disabled={c.readOnly}
                onClick={() => set(removeKeyPath(step, index, i), `${at}.key`)}
              >
                ✕
              </SmallButton>
            )}
          </div>
        ))}
        {side.key.length < MAX_KEY_PATHS && (
          <SmallButton disabled={c.readOnly} onClick={() => set(addKeyPath(step, index), `${at}.key`)}>
            + Key path
          </SmallButton>
        )}
      </fieldset>
      <fieldset className="space-y-1" aria-label={`Side ${n} key normalisation`}>
        <legend className="text-[11px] font-medium text-slate-700">Normalise the key</legend>
        <div className="flex flex-wrap gap-x-3 gap-y-1">
          <Check
            label="Trim spaces"
            name={`Side ${n}: trim spaces`}
            field={`${at}.normalise.trim`}
            c={c}
            checked={norm.trim ?? true}
            onChange={(v) => set(setSideNormalise(step, index, { trim: v }), `${at}.normalise.trim`)}
          />
          <Check
            label="Ignore case"
            name={`Side ${n}: ignore case`}
            field={`${at}.normalise.caseFold`}
            c={c}
            checked={norm.caseFold ?? false}
            onChange={(v) => set(setSideNormalise(step, index, { caseFold: v }), `${at}.normalise.caseFold`)}
          />
          <Check
            label="Strip leading zeros"
            name={`Side ${n}: strip leading zeros`}
            field={`${at}.normalise.stripLeadingZeros`}
            c={c}
            checked={norm.stripLeadingZeros ?? false}
            onChange={(v) =>
              set(setSideNormalise(step, index, { stripLeadingZeros: v }), `${at}.normalise.stripLeadingZeros`)
            }
          />
        </div>
        <Labelled
          label="Then translate through map"
          name={`Side ${n} key map`}
          field={`${at}.normalise.map`}
          c={c}
          hint={maps.length ? undefined : "Add an external-id map under Maps to translate keys."}
        >
          {(p) => (
            <select
              {...p}
              value={norm.map ?? ""}
              onChange={(e) =>
                set(setSideNormalise(step, index, { map: e.target.value || undefined }), `${at}.normalise.map`)
              }
            >
              <option value="">No map</option>
              {maps.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
              {norm.map && !maps.includes(norm.map) && <option value={norm.map}>{norm.map} (missing)</option>}
            </select>
          )}
        </Labelled>
      </fieldset>
      <Check
        label="Many rows per key (summed by money and hours rules)"
        name={`Side ${n}: many rows per key`}
        field={`${at}.many`}
        c={c}
        checked={side.many ?? false}
        onChange={(v) => set(setSide(step, index, { many: v || undefined }), `${at}.many`)}
      />
      <div className="grid grid-cols-2 gap-2">
        <TextField
          label="Record id path"
          name={`Side ${n} id path`}
          field={`${at}.id`}
          c={c}
          mono
          list={listId}
          value={side.id ?? ""}
          onChange={(v) => set(setSide(step, index, { id: v || undefined }), `${at}.id`)}
        />
        <TextField
          label="Date path"
          name={`Side ${n} date path`}
          field={`${at}.date`}
          c={c}
          mono
          list={listId}
          value={side.date ?? ""}
          onChange={(v) => set(setSide(step, index, { date: v || undefined }), `${at}.date`)}
        />
      </div>
      <WhereEditor {...{ step, index, set, c, listId }} />
      <SourceEditor {...{ step, index, set, c, connections, scope }} src={src} />
      {def.sides.length > MIN_SIDES && (
        <SmallButton
          tone="danger"
          disabled={c.readOnly}
          onClick={() => set(removeSide(step, index), "definition.sides")}
        >
          Remove side {side.name}
        </SmallButton>
      )}
    </Group>
  );
}

function WhereEditor({
  step,
  index,
  set,
  c,
  listId,
}: Pick<SideProps, "step" | "index" | "set" | "c"> & { listId?: string }) {
  const side = definitionOf(step).sides[index]!;
  const where = side.where ?? [];
  const n = index + 1;
  const at = `definition.sides.${index}.where`;
  return (
    <fieldset className="space-y-1">
      <legend className="text-[11px] font-medium text-slate-700">Only records where… (scope filters)</legend>
      {where.map((w, i) => (
        <div key={i} className="grid grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto] items-start gap-1">
          <TextField
            label=""
            name={`Side ${n} filter ${i + 1} path`}
            field={`${at}.${i}.path`}
            c={c}
            mono
            list={listId}
            placeholder="status"
            value={w.path}
            onChange={(v) =>
              set(
                setWhere(
                  step,
                  index,
                  where.map((x, j) => (j === i ? { ...x, path: v } : x)),
                ),
                at,
              )
            }
          />
          <TextField
            label=""
            name={`Side ${n} filter ${i + 1} values`}
            field={`${at}.${i}.in`}
            c={c}
            placeholder="approved, billed"
            value={formatWhereValues(w.in)}
            onChange={(v) =>
              set(
                setWhere(
                  step,
                  index,
                  where.map((x, j) => (j === i ? { ...x, in: parseWhereValues(v) } : x)),
                ),
                at,
              )
            }
          />
          <SmallButton
            tone="danger"
            label={`Remove side ${n} filter ${i + 1}`}
            disabled={c.readOnly}
            onClick={() =>
              set(
                setWhere(
                  step,
                  index,
                  where.filter((_, j) => j !== i),
                ),
                at,
              )
            }
          >
            ✕
          </SmallButton>
        </div>
      ))}
      <SmallButton
        disabled={c.readOnly}
        onClick={() => set(setWhere(step, index, [...where, { path: "", in: [] }]), at)}
      >
        + Filter
      </SmallButton>
    </fieldset>
  );
}

function SourceEditor({ step, index, set, c, connections, scope, src }: SideProps & { src: ReconSource | undefined }) {
  const catalog = useConnectorCatalog();
  const name = definitionOf(step).sides[index]!.name;
  const n = index + 1;
  const at = `sources.${name}`;
  const kind = sourceKind(src);
  const pg = connections.filter((x) => x.connectorKey === "postgres");
  const firstOp = (() => {
    for (const conn of connections) {
      const op = Object.values(catalog.connectors[conn.connectorKey]?.operations ?? {}).find(
        (o) => o.kind === "action",
      );
      if (op) return { connector: conn.connectorKey, operation: op.key, connection: conn.key };
    }
    return undefined;
  })();
  const setSrc = (s: ReconSource, f: string) => set(setSource(step, name, s), `${at}.${f}`);
  return (
    <fieldset className="space-y-2 rounded-md bg-slate-50 p-2">
      <legend className="sr-only">Records of side {name}</legend>
      <Labelled label="Records come from" name={`Side ${n} records come from`} field={at} c={c}>
        {(p) => (
          <select
            {...p}
            value={kind ?? ""}
            onChange={(e) =>
              set(
                setSourceKind(step, name, e.target.value as "sql" | "operation", {
                  sqlConnection: pg[0]?.key,
                  operation: firstOp,
                }),
                at,
              )
            }
          >
            {!kind && <option value="">Choose…</option>}
            <option value="sql">A SQL query (PostgreSQL connection)</option>
            <option value="operation">A connector operation</option>
          </select>
        )}
      </Labelled>
      {src && "sql" in src && (
        <>
          <Labelled
            label="PostgreSQL connection"
            name={`Side ${n} connection`}
            field={`${at}.connection`}
            c={c}
            hint={
              pg.length
                ? undefined
                : "No PostgreSQL connection exists yet: an admin adds one under Settings → Connections."
            }
          >
            {(p) => (
              <select
                {...p}
                value={src.connection}
                onChange={(e) => setSrc({ ...src, connection: e.target.value }, "connection")}
              >
                <ConnectionOptions list={pg} value={src.connection} />
              </select>
            )}
          </Labelled>
          <Labelled
            label="SQL"
            name={`Side ${n} SQL`}
            field={`${at}.sql`}
            c={c}
            hint={
              <>
                A SELECT returning one row per record. Weft reads it in pages ordered by the sort key column, so that
                column must hold the side&apos;s <strong>normalised</strong> key (trimmed, case-folded, mapped as set
                above) — compute it in the query if the stored value differs. Parameters $1, $2… come from below.
              </>
            }
          >
            {(p) => (
              <textarea
                {...p}
                rows={4}
                className={`${p.className} font-mono text-xs`}
                value={src.sql}
                placeholder="SELECT line_id, amount::text AS amount FROM erp.invoice_lines"
                onChange={(e) => setSrc({ ...src, sql: e.target.value }, "sql")}
              />
            )}
          </Labelled>
          <div className="grid grid-cols-2 gap-2">
            <TextField
              label="Sort key column"
              name={`Side ${n} sort key column`}
              field={`${at}.sortKey`}
              c={c}
              mono
              value={src.sortKey}
              onChange={(v) => setSrc({ ...src, sortKey: v }, "sortKey")}
            />
            <TextField
              label="Unique id column"
              name={`Side ${n} id column`}
              field={`${at}.idColumn`}
              c={c}
              mono
              value={src.idColumn}
              onChange={(v) => setSrc({ ...src, idColumn: v }, "idColumn")}
            />
          </div>
          <TextField
            label="Rows per page"
            name={`Side ${n} page size`}
            field={`${at}.pageSize`}
            c={c}
            type="number"
            placeholder="5000"
            value={src.pageSize === undefined ? "" : String(src.pageSize)}
            onChange={(v) => setSrc({ ...src, pageSize: v === "" ? undefined : Number(v) } as ReconSource, "pageSize")}
          />
          <fieldset className="space-y-1">
            <legend className="text-[11px] font-medium text-slate-700">Parameters ($1, $2… as expressions)</legend>
            {(src.params ?? []).map((e, i) => (
              <div key={i} className="flex items-start gap-1">
                <span className="pt-1 font-mono text-[11px] text-slate-500">${i + 1}</span>
                <div className="min-w-0 flex-1">
                  <ExpressionField
                    value={e}
                    onChange={(v) =>
                      setSrc({ ...src, params: (src.params ?? []).map((x, j) => (j === i ? v : x)) }, `params.${i}`)
                    }
                    scope={scope}
                    ariaLabel={`Side ${n} parameter ${i + 1}`}
                    field={`${at}.params.${i}`}
                    invalid={!!c.problems.get(`${at}.params.${i}`)}
                    readOnly={c.readOnly}
                  />
                </div>
                <SmallButton
                  tone="danger"
                  label={`Remove side ${n} parameter ${i + 1}`}
                  disabled={c.readOnly}
                  onClick={() => {
                    const params = (src.params ?? []).filter((_, j) => j !== i);
                    setSrc({ ...src, params: params.length ? params : undefined } as ReconSource, "params");
                  }}
                >
                  ✕
                </SmallButton>
              </div>
            ))}
            <SmallButton
              disabled={c.readOnly}
              onClick={() => setSrc({ ...src, params: [...(src.params ?? []), "$trigger.from"] }, "params")}
            >
              + Parameter
            </SmallButton>
          </fieldset>
        </>
      )}
      {src && "connector" in src && <OperationSource {...{ step, index, set, c, connections, scope }} src={src} />}
    </fieldset>
  );
}

function OperationSource({
  step,
  index,
  set,
  c,
  connections,
  scope,
  src,
}: SideProps & { src: Extract<ReconSource, { connector: string }> }) {
  const catalog = useConnectorCatalog();
  const name = definitionOf(step).sides[index]!.name;
  const n = index + 1;
  const at = `sources.${name}`;
  const connectors = [...new Set(connections.map((x) => x.connectorKey))].filter((k) => catalog.connectors[k]);
  const op = operationOf(catalog, src.connector, src.operation);
  const actions = Object.values(catalog.connectors[src.connector]?.operations ?? {}).filter((o) => o.kind === "action");
  const conns = connections.filter((x) => x.connectorKey === src.connector);
  const setSrc = (s: ReconSource, f: string) => set(setSource(step, name, s), `${at}.${f}`);
  return (
    <>
      <Labelled label="System" name={`Side ${n} connector`} field={`${at}.connector`} c={c}>
        {(p) => (
          <select
            {...p}
            value={src.connector}
            onChange={(e) => {
              const connector = e.target.value;
              const first = Object.values(catalog.connectors[connector]?.operations ?? {}).find(
                (o) => o.kind === "action",
              );
              const conn = connections.find((x) => x.connectorKey === connector);
              setSrc({ connector, operation: first?.key ?? "", connection: conn?.key ?? "" }, "connector");
            }}
          >
            {!src.connector && <option value="">Choose a system…</option>}
            {connectors.map((k) => (
              <option key={k} value={k}>
                {catalog.connectors[k]?.name ?? k}
              </option>
            ))}
          </select>
        )}
      </Labelled>
      <Labelled label="Operation" name={`Side ${n} operation`} field={`${at}.operation`} c={c} hint={op?.description}>
        {(p) => (
          <select
            {...p}
            value={src.operation}
            onChange={(e) =>
              setSrc({ ...src, operation: e.target.value, input: undefined } as ReconSource, "operation")
            }
          >
            {!op && <option value={src.operation}>{src.operation || "Choose an operation…"}</option>}
            {actions.map((o) => (
              <option key={o.key} value={o.key}>
                {o.name}
              </option>
            ))}
          </select>
        )}
      </Labelled>
      <Labelled label="Connection" name={`Side ${n} connection`} field={`${at}.connection`} c={c}>
        {(p) => (
          <select
            {...p}
            value={src.connection}
            onChange={(e) => setSrc({ ...src, connection: e.target.value }, "connection")}
          >
            <ConnectionOptions list={conns} value={src.connection} />
          </select>
        )}
      </Labelled>
      <TextField
        label="Records at (path in the output)"
        name={`Side ${n} records path`}
        field={`${at}.items`}
        c={c}
        mono
        placeholder="items"
        value={src.items ?? ""}
        onChange={(v) => setSrc({ ...src, items: v || undefined } as ReconSource, "items")}
        hint="The connector follows its own paging; up to 50,000 records are sorted in memory."
      />
      <div>
        <p className="text-[11px] font-medium text-slate-700">Operation input</p>
        <MappingEditor
          value={src.input ?? {}}
          onChange={(v) => setSrc({ ...src, input: v } as ReconSource, "input")}
          scope={scope}
          field={`${at}.input`}
          readOnly={c.readOnly}
        />
      </div>
    </>
  );
}

/** A connection picker's options: the candidates, and the chosen key when it is not among them. */
function ConnectionOptions({ list, value }: { list: ReadonlyArray<{ key: string; name: string }>; value: string }) {
  return (
    <>
      <option value="">Choose a connection…</option>
      {list.map((x) => (
        <option key={x.key} value={x.key}>
          {x.name} ({x.key})
        </option>
      ))}
      {value && !list.some((x) => x.key === value) && <option value={value}>{value} (not found)</option>}
    </>
  );
}
