// Values a business user reads in the Inbox (a task's summary, the fields an approver changed) as words, not
// JSON: {"days": 45} reads "Days: 45" (the field's title from the step's form when it has one).
import { humanize } from "@/components/connections/schema-form";

export function readableValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return v.map(readableValue).join(", ");
  if (typeof v === "object")
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${humanize(k)}: ${readableValue(x)}`)
      .join("; ");
  return String(v);
}

/** Each field as a label (the form schema's `title`, else the key made readable) and its value in words. */
export function readableFields(
  fields: Record<string, unknown>,
  schema?: unknown,
): Array<{ key: string; label: string; value: string }> {
  const props =
    schema && typeof schema === "object" && "properties" in schema
      ? ((schema as { properties?: Record<string, { title?: unknown }> }).properties ?? {})
      : {};
  return Object.entries(fields).map(([key, v]) => {
    const title = props[key]?.title;
    return { key, label: typeof title === "string" && title ? title : humanize(key), value: readableValue(v) };
  });
}
