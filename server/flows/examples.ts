// The example flows of the reference journey (examples/*.weft.json), offered by "New flow → from an example".
// Imported statically so a build ships them and a test sees the same documents the designer offers.
import type { Flow } from "@/core/dsl";
import approvedTimeToInvoice from "@/examples/approved-time-to-invoice.weft.json";
import opportunityWonToProject from "@/examples/opportunity-won-to-project.weft.json";
import salesforceWonOpportunities from "@/examples/salesforce-won-opportunities.weft.json";
import timesheetToReporting from "@/examples/timesheet-to-reporting.weft.json";
import workerOnboarding from "@/examples/worker-onboarding-hris-to-psa.weft.json";
import salesforceCdcOpportunityWon from "@/examples/salesforce-cdc-opportunity-won.weft.json";
import kantataTimeApprovedPush from "@/examples/kantata-time-approved-push.weft.json";
import staffingRequest from "@/examples/staffing-request.weft.json";
import reconTimeVsBilling from "@/examples/recon-time-vs-billing.weft.json";
import reconCustomerMaster from "@/examples/recon-customer-master.weft.json";
import reconProjectIds from "@/examples/recon-project-ids.weft.json";
import reconWorkers from "@/examples/recon-workers.weft.json";
import customerToErp from "@/examples/customer-to-erp.weft.json";
import relinkWorkspaceJob from "@/examples/relink-workspace-job.weft.json";
import billingTermsChange from "@/examples/billing-terms-change.weft.json";
import approvedTimeToInvoiceSamples from "@/examples/approved-time-to-invoice.samples.json";
import opportunityWonToProjectSamples from "@/examples/opportunity-won-to-project.samples.json";
import salesforceWonOpportunitiesSamples from "@/examples/salesforce-won-opportunities.samples.json";
import timesheetToReportingSamples from "@/examples/timesheet-to-reporting.samples.json";
import workerOnboardingSamples from "@/examples/worker-onboarding-hris-to-psa.samples.json";
import salesforceCdcOpportunityWonSamples from "@/examples/salesforce-cdc-opportunity-won.samples.json";
import kantataTimeApprovedPushSamples from "@/examples/kantata-time-approved-push.samples.json";
import staffingRequestSamples from "@/examples/staffing-request.samples.json";
import reconTimeVsBillingSamples from "@/examples/recon-time-vs-billing.samples.json";
import reconCustomerMasterSamples from "@/examples/recon-customer-master.samples.json";
import reconProjectIdsSamples from "@/examples/recon-project-ids.samples.json";
import reconWorkersSamples from "@/examples/recon-workers.samples.json";
import customerToErpSamples from "@/examples/customer-to-erp.samples.json";
import relinkWorkspaceJobSamples from "@/examples/relink-workspace-job.samples.json";
import billingTermsChangeSamples from "@/examples/billing-terms-change.samples.json";

export const EXAMPLES: Readonly<Record<string, Flow>> = Object.fromEntries(
  [
    opportunityWonToProject,
    approvedTimeToInvoice,
    workerOnboarding,
    timesheetToReporting,
    salesforceWonOpportunities,
    salesforceCdcOpportunityWon,
    kantataTimeApprovedPush,
    staffingRequest,
    reconTimeVsBilling,
    reconCustomerMaster,
    reconProjectIds,
    reconWorkers,
    customerToErp,
    relinkWorkspaceJob,
    billingTermsChange,
  ].map((d) => [d.key, d as unknown as Flow]),
);

/**
 * Each example's pinned samples by node id (examples/<key>.samples.json): at least the trigger's, a `$trigger`
 * the trigger produces, so "Test run" works on a flow made from the example (and on the demo's copy) as shipped.
 */
export const EXAMPLE_SAMPLES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  [salesforceWonOpportunities.key]: salesforceWonOpportunitiesSamples,
  [opportunityWonToProject.key]: opportunityWonToProjectSamples,
  [approvedTimeToInvoice.key]: approvedTimeToInvoiceSamples,
  [workerOnboarding.key]: workerOnboardingSamples,
  [timesheetToReporting.key]: timesheetToReportingSamples,
  [salesforceCdcOpportunityWon.key]: salesforceCdcOpportunityWonSamples,
  [kantataTimeApprovedPush.key]: kantataTimeApprovedPushSamples,
  [staffingRequest.key]: staffingRequestSamples,
  [reconTimeVsBilling.key]: reconTimeVsBillingSamples,
  [reconCustomerMaster.key]: reconCustomerMasterSamples,
  [reconProjectIds.key]: reconProjectIdsSamples,
  [reconWorkers.key]: reconWorkersSamples,
  [customerToErp.key]: customerToErpSamples,
  [relinkWorkspaceJob.key]: relinkWorkspaceJobSamples,
  [billingTermsChange.key]: billingTermsChangeSamples,
};

export function exampleSummaries() {
  return Object.values(EXAMPLES).map((d) => ({
    key: d.key,
    name: d.name,
    description: d.description,
    domain: d.domain,
    owner: d.owner,
    steps: d.steps.length,
  }));
}
