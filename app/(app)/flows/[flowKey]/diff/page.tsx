import type { Metadata } from "next";
import semver from "semver";
import { PageHeader } from "@/components/shell/page-header";
import { DiffView } from "@/components/designer/versions/diff-view";
import { requirePageUser } from "@/server/auth/session";
import { db } from "@/server/db/client";

export async function generateMetadata({ params }: { params: Promise<{ flowKey: string }> }): Promise<Metadata> {
  return { title: `${decodeURIComponent((await params).flowKey)} · Diff` };
}

/** /flows/<key>/diff?from=<version|draft>&to=<version|draft>; without them: the newest version against the draft. */
export default async function FlowDiffPage({
  params,
  searchParams,
}: {
  params: Promise<{ flowKey: string }>;
  searchParams: Promise<{ from?: string | string[]; to?: string | string[] }>;
}) {
  await requirePageUser("viewer");
  const flowKey = decodeURIComponent((await params).flowKey);
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const flow = await db().flow.findUnique({
    where: { key: flowKey },
    select: { name: true, versions: { select: { version: true } } },
  });
  const newest = (flow?.versions ?? [])
    .map((v) => v.version)
    .filter((v) => semver.valid(v))
    .sort(semver.rcompare)[0];
  const from = one(sp.from) || newest || "draft";
  const to = one(sp.to) || "draft";
  return (
    <>
      <PageHeader
        title={`${flow?.name ?? flowKey}: what changed`}
        description={`Visual diff of ${flowKey}: added nodes in green, removed in red, changed in amber; breaking changes called out.`}
      />
      <DiffView flowKey={flowKey} from={from} to={to} />
    </>
  );
}
