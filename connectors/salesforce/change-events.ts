// Change Data Capture events of the Salesforce sandbox, in the JSON shape a Streaming/Pub/Sub subscriber
// hands on: {channel: "/data/<Object>ChangeEvent", data: {schema, payload: {ChangeEventHeader, …changed
// fields}, event: {replayId}}} (../shared/reference: the header's fields as Salesforce documents them). A
// CREATE carries every non-null field, an UPDATE only the fields that changed — a subscriber that needs
// the rest reads the record. Delivered to the sandbox's push subscribers (sandbox-kit/push.ts).
import { randomUUID } from "node:crypto";
import type { PushHub } from "../sandbox-kit/push";

export interface ChangeEventSource {
  push: PushHub;
  /** The org user the change is attributed to. */
  commitUser: string;
  apiVersion: string;
}

/** The event name subscribers choose, e.g. "OpportunityChangeEvent". */
export const changeEventName = (sobject: string): string => `${sobject}ChangeEvent`;

export function changeEventPublisher(src: ChangeEventSource) {
  let replayId = 0;
  let commitNumber = 0;
  return (
    sobject: string,
    changeType: "CREATE" | "UPDATE",
    rec: Record<string, unknown>,
    changed: Record<string, unknown>,
  ): void => {
    const fields = Object.entries(changeType === "CREATE" ? rec : changed).filter(
      ([k, v]) => v !== null && v !== undefined && k !== "Id" && k !== "attributes",
    );
    if (changeType === "UPDATE" && !fields.length) return;
    const name = changeEventName(sobject);
    const header = {
      entityName: sobject,
      recordIds: [String(rec.Id)],
      changeType,
      changeOrigin: `com/salesforce/api/rest/${src.apiVersion.replace(/^v/, "")}`,
      transactionKey: randomUUID(),
      sequenceNumber: 1,
      commitTimestamp: Date.now(),
      commitNumber: ++commitNumber,
      commitUser: src.commitUser,
      changedFields: changeType === "UPDATE" ? fields.map(([k]) => k) : [],
      nulledFields: [],
      diffFields: [],
    };
    src.push.emit(name, {
      channel: `/data/${name}`,
      data: {
        schema: `${name}-v1`,
        payload: { ChangeEventHeader: header, ...Object.fromEntries(fields) },
        event: { replayId: ++replayId },
      },
    });
  };
}
