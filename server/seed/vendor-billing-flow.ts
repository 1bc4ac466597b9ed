// Its own module without imports, so Playwright (e2e/replay.spec.ts) can load it too.
/**
 * A signed webhook that onboards a vendor's customer record and bills it: creates the customer in NetSuite
 * (no external id: a second create makes a second record, as in many real estates), then posts the invoice.
 * Not part of the seeded estate; the replay tests (server/exceptions/replay.test.ts, e2e/replay.spec.ts)
 * publish it to show that a replay does not create the customer twice.
 */
export const VENDOR_BILLING_WEBHOOK_FLOW = {
  dsl: "weft/1",
  key: "vendor-billing-webhook",
  version: "1.0.0",
  name: "Vendor billing webhook → NetSuite",
  description:
    "A signed billing webhook: creates the customer record in NetSuite, then posts the invoice for the billed hours.",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  tags: ["invoice", "netsuite", "webhook"],
  trigger: {
    type: "webhook",
    secret: "webhook-vendor-billing-webhook",
    payloadSchema: {
      type: "object",
      required: ["invoice", "company", "hours", "amount"],
      properties: {
        invoice: { type: "string", pattern: "^INV-[0-9]+$" },
        company: { type: "string", minLength: 1 },
        hours: { type: "number", exclusiveMinimum: 0 },
        amount: { type: "number", minimum: 0 },
      },
    },
  },
  businessKeys: { invoice: "$trigger.body.invoice", customer: "$trigger.body.company" },
  onFailure: { type: "exception-queue", assignTo: "finance" },
  defaults: { retry: { on: ["transient", "timeout"], maxAttempts: 2, interval: "1s" }, timeout: "30s" },
  output: { customerId: "$steps.createCustomer.output.id", invoiceId: "$steps.postInvoice.output.id" },
  start: "createCustomer",
  steps: [
    {
      id: "createCustomer",
      type: "call",
      name: "Customer record in NetSuite",
      connector: "netsuite",
      operation: "createCustomer",
      connection: "netsuite-prod",
      input: { "body.companyName": "$trigger.body.company", "body.subsidiary.id": "'1'" },
      next: "postInvoice",
    },
    {
      id: "postInvoice",
      type: "call",
      name: "Invoice in NetSuite",
      connector: "netsuite",
      operation: "createInvoice",
      connection: "netsuite-prod",
      input: {
        "body.entity.id": "$steps.createCustomer.output.id",
        "body.externalId": "$trigger.body.invoice",
        "body.memo": "'Billed hours ' & $trigger.body.invoice",
        "body.item.items":
          "[{ 'item': { 'id': '5' }, 'quantity': $trigger.body.hours, 'rate': $round($trigger.body.amount / $trigger.body.hours, 2) }]",
      },
    },
  ],
} as const;
