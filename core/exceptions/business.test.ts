import { describe, expect, it } from "vitest";
import { businessSentence, recordNoun } from "./business";

describe("business sentence", () => {
  it("without business keys names the record the failing step read, not the flow's domain", () => {
    const s = businessSentence({
      domain: "customer",
      businessKeys: null,
      system: "Salesforce",
      operation: "getRecord",
      stepInput: { sobject: "Opportunity", id: "006Wf0000000001AAA" },
      message: "GET /services/data/v61.0/sobjects/Opportunity/006Wf0000000001AAA → 503: Service Unavailable",
    });
    expect(s).toBe("Opportunity 006Wf0000000001AAA, not read from Salesforce: service Unavailable");
    expect(
      businessSentence({
        domain: "customer",
        businessKeys: {},
        system: "Salesforce",
        operation: "getOpportunity",
        stepInput: { opportunityId: "x" },
        message: "timeout",
      }),
    ).toBe("Opportunity, not read from Salesforce: timeout");
  });

  it("with business keys keeps the business record", () => {
    expect(
      businessSentence({
        domain: "invoice",
        businessKeys: { invoice: "INV-1", customer: "Acme" },
        system: "NetSuite",
        operation: "createInvoice",
        stepInput: { recordType: "invoice" },
        message: "400: bad",
      }),
    ).toBe("Invoice INV-1 for Acme, not posted to NetSuite: bad");
  });

  it("a batch item named by a numeric id is that record, not its first measure", () => {
    // The keys in the order Postgres's jsonb keeps them (shorter names first): hours, amount, project.
    expect(
      businessSentence({
        domain: "invoice",
        businessKeys: { hours: 26.67, amount: 4000, project: "70166" },
        system: "NetSuite",
        operation: "createInvoice",
        message: "The customer is on credit hold; finance must release it before the project can be invoiced.",
      }),
    ).toBe("Project 70166, 26.67 approved hours, $4,000, not posted to NetSuite: the customer is on credit hold");
  });

  it("reads the record noun from the input's type or the operation", () => {
    expect(recordNoun("getRecord", { recordType: "customer" })).toBe("Customer");
    expect(recordNoun("createTimeBill", {})).toBe("Time Bill");
    expect(recordNoun("getRecord", { id: "1" })).toBeNull();
    expect(recordNoun(null, null)).toBeNull();
  });
});
