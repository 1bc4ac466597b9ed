"use client";
// The poll trigger's source in the inspector: which connection (and so which connector) it reads through
// and which of that connector's read operations it polls. The rest of the trigger (interval, input, cursor,
// record id, version, lookback) is the generic schema form.
import type { Catalog, Trigger } from "@/core/dsl";
import { useConnectorCatalog } from "../catalog-context";
import { FieldShell, type FieldProblems } from "./schema-form";

type PollTrigger = Extract<Trigger, { type: "poll" }>;
type Connection = { key: string; name: string; connectorKey: string };

const selectClass = "block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";

/** Operations a poll may call: the connector's reads (actions that only read, and its own poll triggers). */
export function pollableOperations(catalog: Catalog, connectorKey: string): Array<{ key: string; name: string }> {
  const ops = catalog.connectors[connectorKey]?.operations ?? {};
  return Object.values(ops)
    .filter((o) => o.effect === "read")
    .map((o) => ({ key: o.key, name: o.name }));
}

/**
 * A new poll trigger: the first Salesforce connection polling closed-won opportunities by SystemModstamp when
 * there is one (the journey's start), else the first connection with something to read.
 */
export function defaultPollTrigger(catalog: Catalog, connections: readonly Connection[]): PollTrigger {
  const sf = connections.find((c) => c.connectorKey === "salesforce");
  if (sf || connections.length === 0)
    return {
      type: "poll",
      connector: "salesforce",
      connection: sf?.key ?? "salesforce-prod",
      operation: "query",
      interval: "1m",
      input: {
        soql: "'SELECT Id, Name, AccountId, Amount, CloseDate, SystemModstamp FROM Opportunity WHERE IsWon = true AND SystemModstamp >= ' & $substring($trigger.cursor, 0, 19) & 'Z ORDER BY SystemModstamp ASC, Id ASC'",
      },
      cursor: "SystemModstamp",
      recordId: "Id",
    };
  const c = connections.find((x) => pollableOperations(catalog, x.connectorKey).length > 0) ?? connections[0]!;
  return {
    type: "poll",
    connector: c.connectorKey,
    connection: c.key,
    operation: pollableOperations(catalog, c.connectorKey)[0]?.key ?? "",
    interval: "1m",
    input: {},
    cursor: "updatedAt",
    recordId: "id",
  };
}

export function PollSource(p: {
  trigger: PollTrigger;
  connections: readonly Connection[];
  readOnly: boolean;
  problems: FieldProblems;
  onChange(next: PollTrigger, field: string): void;
}) {
  const t = p.trigger;
  const catalog = useConnectorCatalog();
  const ops = pollableOperations(catalog, t.connector);
  const known = p.connections.some((c) => c.key === t.connection);
  return (
    <>
      <FieldShell
        label="Connection"
        required
        htmlFor="f-poll-connection"
        error={p.problems.get("connection") ?? p.problems.get("connector")}
        description="Where the poll reads; its connector decides the operations."
      >
        <select
          id="f-poll-connection"
          data-field="connection"
          disabled={p.readOnly}
          className={selectClass}
          value={t.connection}
          onChange={(e) => {
            const c = p.connections.find((x) => x.key === e.target.value);
            if (!c) return;
            const sameConnector = c.connectorKey === t.connector;
            p.onChange(
              {
                ...t,
                connection: c.key,
                connector: c.connectorKey,
                operation: sameConnector ? t.operation : (pollableOperations(catalog, c.connectorKey)[0]?.key ?? ""),
              },
              "connection",
            );
          }}
        >
          {!known && <option value={t.connection}>{t.connection} (not in this workspace)</option>}
          {p.connections.map((c) => (
            <option key={c.key} value={c.key}>
              {c.name} ({c.key})
            </option>
          ))}
        </select>
      </FieldShell>
      <FieldShell
        label="Operation"
        required
        htmlFor="f-poll-operation"
        error={p.problems.get("operation")}
        description="A read: it runs every interval."
      >
        <select
          id="f-poll-operation"
          data-field="operation"
          disabled={p.readOnly}
          className={selectClass}
          value={t.operation}
          onChange={(e) => p.onChange({ ...t, operation: e.target.value }, "operation")}
        >
          {!ops.some((o) => o.key === t.operation) && <option value={t.operation}>{t.operation || "—"}</option>}
          {ops.map((o) => (
            <option key={o.key} value={o.key}>
              {o.name}
            </option>
          ))}
        </select>
      </FieldShell>
    </>
  );
}
