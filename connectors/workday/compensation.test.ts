// Pay-rate changes in the Workday sandbox (what the firm simulator calls): the new rates show in the
// Consultant_Capacity report and the admin API's payRateChanges; bad input is a 400 naming the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkdaySandbox } from "./sandbox";
import { VendorApis, VendorError } from "../sandbox-kit/simulate/vendors";
import { firm } from "../sandbox-kit/firm";

describe("workday pay-rate changes", () => {
  const wd = createWorkdaySandbox();
  let api: VendorApis;
  beforeAll(async () => {
    await wd.sandbox.start();
    const none = "http://127.0.0.1:9";
    api = new VendorApis({ salesforce: none, psa: none, netsuite: none, workday: wd.sandbox.baseUrl });
  });
  afterAll(() => wd.sandbox.close());

  it("changes the rates as of a date, seen by the report; a reset forgets them", async () => {
    const c = firm().consultants[20]!;
    const firmCostRate = c.costRate;
    await api.payRateChange(c.wid, { effectiveDate: "2026-05-20", costRate: 111.5, defaultBillRate: 260 });
    const report = await fetch(
      `${wd.sandbox.baseUrl}/ccx/service/customreport2/meridian_impl1/ISU_Weft/Consultant_Capacity?format=json`,
      { headers: { authorization: `Basic ${Buffer.from("ISU_Weft:weft-sandbox-isu-pass").toString("base64")}` } },
    ).then((r) => r.json() as Promise<{ Report_Entry: Array<Record<string, string>> }>);
    expect(report.Report_Entry.find((e) => e.Worker_ID === c.wid)).toMatchObject({
      Cost_Rate: "111.50",
      Default_Bill_Rate: "260.00",
    });
    expect(await api.records("workday", "payRateChanges")).toEqual([
      expect.objectContaining({ workerId: c.wid, effectiveDate: "2026-05-20", costRate: 111.5 }),
    ]);
    expect(c.costRate).toBe(firmCostRate); // the firm every sandbox seeds from is untouched
    await api.admin("workday", "POST", "reset");
    expect(await api.records("workday", "payRateChanges")).toEqual([]);
  });

  it("refuses a change without a date or with a bad rate, naming the field", async () => {
    const wid = firm().consultants[0]!.wid;
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as VendorError,
      );
    expect((await err(api.payRateChange(wid, { costRate: 100 })))?.message).toMatch(/400.*effectiveDate/);
    expect((await err(api.payRateChange(wid, { effectiveDate: "2026-05-20", costRate: -1 })))?.message).toMatch(
      /400.*costRate must be a positive number/,
    );
    expect((await err(api.payRateChange("nope", { effectiveDate: "2026-05-20", costRate: 1 })))?.status).toBe(404);
  });
});
