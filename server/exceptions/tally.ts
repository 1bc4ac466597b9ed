// Folds the deltas the exception triggers append (exception_tally_delta) into the queue's counters
// (migration 20261205170000_exception_tally): a pg-boss job every minute, so that reads, which add the
// pending deltas, stay proportional to the cells plus about a minute of changes.
import "server-only";
import type { Db } from "../db/client";

export const TALLY_COMPACT_QUEUE = "exceptions.tally-compact";

/** How many deltas were folded; -1 when another compaction holds the lock (it folds them instead). */
export async function compactExceptionTally(db: Db): Promise<number> {
  const [r] = await db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT exception_tally_compact() AS n`);
  return r!.n;
}
