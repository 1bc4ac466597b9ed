// Webhook events of the Kantata sandbox: "<resource>:created" / "<resource>:updated" for every record
// written through the API, plus "time_entry:approved" / "expense:approved" when an approval flips on. The
// body carries the subject in the API's own envelope ({count, results, <resource>: {id: {…}}}), so a
// receiver reads it with the same code as a GET. The reference notes describe no Kantata webhook payload
// or signing scheme; deliveries are signed with Weft's scheme (sandbox-kit/push.ts).
import { randomUUID } from "node:crypto";
import type { PushHub } from "../sandbox-kit/push";

type Rec = Record<string, unknown> & { id: string };

export function kantataWebhookPublisher(push: PushHub, singular: (resource: string) => string) {
  const send = (resource: string, kind: string, rec: Rec) => {
    const type = `${singular(resource)}:${kind}`;
    push.emit(type, {
      event_id: randomUUID(),
      event_type: type,
      occurred_at: new Date().toISOString(),
      subject_type: resource,
      subject_id: rec.id,
      workspace_id: rec.workspace_id ?? null,
      user_id: rec.user_id ?? null,
      payload: { count: 1, results: [{ key: resource, id: rec.id }], [resource]: { [rec.id]: rec } },
    });
  };
  return (resource: string, before: Rec | undefined, after: Rec): void => {
    send(resource, before ? "updated" : "created", after);
    if ((resource === "time_entries" || resource === "expenses") && after.approved === true && !before?.approved)
      send(resource, "approved", after);
  };
}
