// What a page shows a signed-in user without the role it needs.
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
