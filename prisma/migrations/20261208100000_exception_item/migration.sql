-- A failed item of a batch that went on without it (a foreach iteration within the step's tolerated share of
-- failures): its own exception, with the item's business keys, on a run that succeeded. `item_of` is the
-- foreach step's path; null for a failed run's exception and for reconciliation breaks (docs/exceptions.md).
ALTER TABLE "exception" ADD COLUMN "item_of" TEXT;
