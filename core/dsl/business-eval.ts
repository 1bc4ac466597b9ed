// Evaluates a step's business event declarations (business-events.ts) after it succeeded. Pure: the runtime
// writes the result in the step's transaction; a dry test run shows it; the designer can preview it.
import {
  BUSINESS_EVENT_KEYS,
  dayField,
  MAX_EVENTS_PER_DECLARATION,
  keyField,
  numberField,
  timeField,
  type BusinessEvent,
  type BusinessEventDecl,
  type FieldResult,
} from "./business-events";
import { evaluate, ExpressionError, type ExpressionScope } from "./expressions";

/**
 * One event per declaration (or per element of its `each`) whose `when` holds. A value of the wrong kind is
 * an ExpressionError (class "mapping") naming the event and field: recording a wrong fact silently would
 * make every KPI built on it wrong.
 */
export async function evaluateBusinessEvents(
  decls: readonly BusinessEventDecl[],
  scope: ExpressionScope,
  now: Date,
): Promise<BusinessEvent[]> {
  const out: BusinessEvent[] = [];
  for (const [i, d] of decls.entries()) {
    const where = (field: string) => `business[${i}].${field}`;
    // An evaluation error names the declaration and field, like a value of the wrong kind.
    const run = async (field: string, e: string, s: ExpressionScope) => {
      try {
        return await evaluate(e, s);
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        throw new ExpressionError(err.code, `${where(field)} (${d.type}): ${err.message}`, err.position, e);
      }
    };
    let records: unknown[] = [undefined];
    if (d.each !== undefined) {
      const v = await run("each", d.each, scope);
      records = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
      if (records.length > MAX_EVENTS_PER_DECLARATION)
        throw new ExpressionError(
          "business_event_too_many",
          `${where("each")} gave ${records.length} elements; one step records at most ${MAX_EVENTS_PER_DECLARATION} events per declaration.`,
          null,
          d.each,
        );
    }
    for (const record of records) {
      const s: ExpressionScope = record === undefined ? scope : { ...scope, record };
      if (d.when !== undefined && !(await run("when", d.when, s))) continue;
      const val = async (e: string | undefined, field: string) => (e === undefined ? undefined : run(field, e, s));
      const take = <T>(r: FieldResult<T>, field: string, expr: string | undefined): T => {
        if (r.ok) return r.value;
        throw new ExpressionError(
          "business_event_value",
          `${where(field)} (${d.type}): ${r.message}.`,
          null,
          expr ?? "",
        );
      };
      const keys: BusinessEvent["keys"] = {};
      for (const k of BUSINESS_EVENT_KEYS) {
        const e = d.keys[k];
        const v = take(keyField(k, await val(e, `keys.${k}`)), `keys.${k}`, e);
        if (v !== null) keys[k] = v;
      }
      const currency = take(keyField("currency", await val(d.currency, "currency")), "currency", d.currency);
      const system = take(keyField("system", await val(d.system, "system")), "system", d.system);
      out.push({
        type: d.type,
        keys,
        amount: take(numberField("amount", await val(d.amount, "amount")), "amount", d.amount),
        currency: currency === null ? null : currency.toUpperCase(),
        hours: take(numberField("hours", await val(d.hours, "hours")), "hours", d.hours),
        system,
        occurredAt: take(
          timeField("occurredAt", await val(d.occurredAt, "occurredAt"), now),
          "occurredAt",
          d.occurredAt,
        ),
        performedOn: take(
          dayField("performedOn", await val(d.performedOn, "performedOn")),
          "performedOn",
          d.performedOn,
        ),
        personTeamName: take(
          keyField("personTeamName", await val(d.personTeamName, "personTeamName")),
          "personTeamName",
          d.personTeamName,
        ),
      });
    }
  }
  return out;
}
