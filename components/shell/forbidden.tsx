import { NAV } from "./nav";
import { PageHeader } from "./page-header";

/** What a section that is not built yet shows: plainly that, and what it will do. */
export function NotBuilt({ href }: { href: string }) {
  const item = NAV.find((n) => n.href === href)!;
  return (
    <>
      <PageHeader title={item.label} description={item.description} />
      <section className="p-8">
        <div role="status" className="max-w-xl rounded-lg border border-dashed border-slate-300 bg-white p-6">
          <p className="font-medium text-slate-800">{item.label} is not built yet.</p>
          <p className="mt-1 text-sm text-slate-500">This section is on the way. Nothing here is hidden from you: it simply does not exist in this version of Weft.</p>
        </div>
      </section>
    </>
  );
}

export function Forbidden({ role }: { role: string }) {
  return (
    <section className="p-8">
      <div role="alert" className="max-w-xl rounded-lg border border-amber-200 bg-amber-50 p-6 text-amber-900">
        <p className="font-medium">You do not have access to this page.</p>
        <p className="mt-1 text-sm">It needs the {role} role. Ask an admin if you need it.</p>
      </div>
    </section>
  );
}
