"use client";
// Event contract forms (designers): register a new domain event, and propose a new version of one with
// the registry's compatibility verdict (BACKWARD, transitively within the major) shown live before it can
// be published. A breaking change is refused within the same major; the form offers the next major.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Controller, useForm, useWatch } from "react-hook-form";
import semver from "semver";
import { z } from "zod";
import { useTRPC } from "@/components/trpc/client";
import { DOMAINS } from "@/core/flow-constants";
import type { JsonSchema } from "@/core/governance/contract-compat";
import { contractCreateFields, semverInput } from "@/core/governance/inputs";
import { Field, FormError, inputCls, primaryBtn, secondaryBtn, Sheet, splitList } from "./form-parts";
import { JsonSchemaEditor, parseSchemaText } from "./json-schema-editor";
import { useDebounced } from "@/components/ui/use-debounced";

const STARTER = `{
  "type": "object",
  "required": ["id", "occurredAt"],
  "properties": {
    "id": { "type": "string" },
    "occurredAt": { "type": "string", "format": "date-time" }
  }
}`;

/** The editor's text must parse to an object schema; the parsed schema is the form's output. */
const schemaText = z.string().transform((text, ctx) => {
  const r = parseSchemaText(text);
  if ("error" in r) {
    ctx.addIssue({ code: "custom", message: r.error });
    return z.NEVER;
  }
  return r.schema as JsonSchema;
});

const registerSchema = z.object({
  name: contractCreateFields.name,
  version: semverInput,
  domain: z.enum(DOMAINS, { error: "Choose the domain the event belongs to." }),
  ownerTeamKey: contractCreateFields.ownerTeamKey,
  description: z
    .string()
    .trim()
    .min(1, "Say what happened when this event is emitted.")
    .max(1000, "Keep the description under 1000 characters."),
  producers: z.string().transform(splitList),
  consumers: z.string().transform(splitList),
  schema: schemaText,
});
type RegisterIn = z.input<typeof registerSchema>;
type RegisterOut = z.output<typeof registerSchema>;

export function RegisterContractButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={primaryBtn} onClick={() => setOpen(true)}>
        Register event
      </button>
      {open && <RegisterSheet onClose={() => setOpen(false)} />}
    </>
  );
}

function RegisterSheet({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const channels = useQuery(trpc.governance.domains.alertChannels.queryOptions());
  const [serverError, setServerError] = useState<string | null>(null);
  const create = useMutation(
    trpc.governance.contracts.create.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.governance.contracts.list.queryKey() });
        onClose();
      },
      onError: (e) => setServerError(e.message),
    }),
  );
  const myTeam = channels.data?.find((c) => c.mine)?.teamKey ?? "";
  const { register, handleSubmit, formState, control, setValue, getValues } = useForm<RegisterIn, unknown, RegisterOut>(
    {
      resolver: zodResolver(registerSchema),
      defaultValues: {
        name: "",
        version: "1.0.0",
        domain: "" as RegisterIn["domain"],
        ownerTeamKey: "",
        description: "",
        producers: "",
        consumers: "",
        schema: STARTER,
      },
    },
  );
  useEffect(() => {
    if (myTeam && !getValues("ownerTeamKey")) setValue("ownerTeamKey", myTeam);
  }, [myTeam, getValues, setValue]);
  const errors = formState.errors;
  const submit = handleSubmit((v) => {
    setServerError(null);
    create.mutate({
      name: v.name,
      version: v.version,
      domain: v.domain,
      ownerTeamKey: v.ownerTeamKey,
      description: v.description,
      producers: v.producers,
      consumers: v.consumers,
      schema: v.schema,
    });
  });
  return (
    <Sheet
      wide
      title="Register an event"
      subtitle="A domain event other flows can rely on. Later changes are checked for backward compatibility; a breaking change needs a new major version."
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      submit={{ label: "Register event", pendingLabel: "Registering…", pending: create.isPending }}
    >
      <FormError message={serverError} />
      <div className="grid grid-cols-3 gap-4">
        <Field
          className="col-span-2"
          label="Event name"
          error={errors.name?.message}
          hint="<entity>.<past-tense verb>, e.g. expense.approved"
        >
          {(a) => (
            <input
              {...a}
              className={`${inputCls} font-mono`}
              autoFocus
              placeholder="expense.approved"
              {...register("name")}
            />
          )}
        </Field>
        <Field label="Version" error={errors.version?.message}>
          {(a) => <input {...a} className={`${inputCls} font-mono`} {...register("version")} />}
        </Field>
      </div>
      <div className="grid grid-cols-2 gap-4">
        <Field label="Domain" error={errors.domain?.message}>
          {(a) => (
            <select {...a} className={inputCls} {...register("domain")}>
              <option value="">Choose a domain…</option>
              {DOMAINS.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Owner team" error={errors.ownerTeamKey?.message}>
          {(a) => (
            <select {...a} className={inputCls} {...register("ownerTeamKey")}>
              <option value="">Choose a team…</option>
              {(channels.data ?? []).map((t) => (
                <option key={t.teamKey} value={t.teamKey}>
                  {t.teamName}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Description" error={errors.description?.message}>
        {(a) => (
          <textarea
            {...a}
            rows={2}
            className={inputCls}
            placeholder="An expense claim was approved by the project manager."
            {...register("description")}
          />
        )}
      </Field>
      <div className="grid grid-cols-2 gap-4">
        <Field label="Producers" hint="Flow keys or systems that emit it, comma-separated (optional).">
          {(a) => <input {...a} className={`${inputCls} font-mono`} {...register("producers")} />}
        </Field>
        <Field label="Consumers" hint="Flow keys that consume it, comma-separated (optional).">
          {(a) => <input {...a} className={`${inputCls} font-mono`} {...register("consumers")} />}
        </Field>
      </div>
      <Field
        label="JSON Schema"
        error={errors.schema?.message}
        hint="The payload's fields: types, required fields, enums and formats."
      >
        {(a) => (
          <Controller
            control={control}
            name="schema"
            render={({ field }) => (
              <JsonSchemaEditor
                id={a.id}
                ariaLabel="JSON Schema"
                value={field.value}
                onChange={field.onChange}
                invalid={!!errors.schema}
              />
            )}
          />
        )}
      </Field>
    </Sheet>
  );
}

const proposeSchema = z.object({
  version: semverInput,
  changelog: z.string().trim().min(3, "Say what changed, for the consumers of this event.").max(2000),
  schema: schemaText,
});
type ProposeIn = z.input<typeof proposeSchema>;
type ProposeOut = z.output<typeof proposeSchema>;

export function ProposeVersionButton({ name, latest, schema }: { name: string; latest: string; schema: JsonSchema }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={secondaryBtn} onClick={() => setOpen(true)}>
        Propose a new version
      </button>
      {open && <ProposeSheet name={name} latest={latest} schema={schema} onClose={() => setOpen(false)} />}
    </>
  );
}

function ProposeSheet({
  name,
  latest,
  schema,
  onClose,
}: {
  name: string;
  latest: string;
  schema: JsonSchema;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [serverError, setServerError] = useState<string | null>(null);
  const publish = useMutation(
    trpc.governance.contracts.publish.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.governance.contracts.list.queryKey() });
        onClose();
      },
      onError: (e) => setServerError(e.message),
    }),
  );
  const { register, handleSubmit, formState, control, setValue } = useForm<ProposeIn, unknown, ProposeOut>({
    resolver: zodResolver(proposeSchema),
    defaultValues: {
      version: semver.inc(latest, "minor") ?? "",
      changelog: "",
      schema: JSON.stringify(schema, null, 2),
    },
  });
  const errors = formState.errors;
  const version = useDebounced(useWatch({ control, name: "version" }));
  const text = useDebounced(useWatch({ control, name: "schema" }));
  const parsed = parseSchemaText(text);
  const versionOk = semverInput.safeParse(version).success;
  const check = useQuery({
    ...trpc.governance.contracts.check.queryOptions({
      name,
      version: version.trim(),
      schema: "schema" in parsed ? parsed.schema : {},
    }),
    enabled: "schema" in parsed && versionOk,
  });
  const verdict = check.data;
  const nextMajor = `${semver.major(latest) + 1}.0.0`;
  const blocked = !verdict?.ok;

  const submit = handleSubmit((v) => {
    setServerError(null);
    publish.mutate({ name, version: v.version, schema: v.schema, changelog: v.changelog });
  });

  return (
    <Sheet
      wide
      title={`New version of ${name}`}
      subtitle={`Latest published: ${latest}. Within major ${semver.major(latest)}, a new schema must read every earlier event of that major (BACKWARD, transitive).`}
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <>
          {blocked && (
            <span className="mr-auto text-xs text-slate-500">
              {check.isFetching ? "Checking compatibility…" : "Publishing needs a passing compatibility check."}
            </span>
          )}
          <button type="button" className={secondaryBtn} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={primaryBtn} disabled={blocked || check.isFetching || publish.isPending}>
            {publish.isPending ? "Publishing…" : "Publish version"}
          </button>
        </>
      }
    >
      <FormError message={serverError} />
      <div className="grid grid-cols-3 gap-4">
        <Field label="Version" error={errors.version?.message} hint={`Latest ${latest}`}>
          {(a) => <input {...a} className={`${inputCls} font-mono`} {...register("version")} />}
        </Field>
        <Field className="col-span-2" label="Changelog" error={errors.changelog?.message}>
          {(a) => (
            <input
              {...a}
              className={inputCls}
              placeholder="Adds the optional cost centre."
              {...register("changelog")}
            />
          )}
        </Field>
      </div>
      <Field label="JSON Schema" error={errors.schema?.message ?? ("error" in parsed ? parsed.error : undefined)}>
        {(a) => (
          <Controller
            control={control}
            name="schema"
            render={({ field }) => (
              <JsonSchemaEditor
                id={a.id}
                ariaLabel="JSON Schema"
                value={field.value}
                onChange={field.onChange}
                invalid={"error" in parsed}
              />
            )}
          />
        )}
      </Field>
      <section
        aria-label="Compatibility check"
        aria-live="polite"
        className="rounded-md border border-slate-200 p-3 text-sm"
      >
        <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Compatibility check</h3>
        {!versionOk && <p className="mt-1 text-slate-500">Enter a semantic version to check.</p>}
        {check.error && <p className="mt-1 text-red-700">{check.error.message}</p>}
        {verdict && verdict.ok && (
          <p className="mt-1 text-emerald-700">
            ✓ Compatible. This change needs at least a {verdict.requiredBump} version
            {verdict.requiredBump === "major" ? "" : ` within ${semver.major(latest)}.x`}.
          </p>
        )}
        {verdict && !verdict.ok && (
          <div className="mt-1 space-y-1 text-red-800">
            <p className="font-medium">
              ✗ Refused{verdict.requiredBump === "major" ? ": this is a breaking change" : ""}.
            </p>
            <ul className="list-disc space-y-0.5 pl-5">
              {verdict.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
              {verdict.issues.map((i) => (
                <li key={`${i.path}-${i.message}`}>
                  <span className="font-mono text-xs">{i.path}</span>: {i.message}
                </li>
              ))}
            </ul>
            {verdict.requiredBump === "major" && version.trim() !== nextMajor && (
              <button
                type="button"
                className="mt-1 text-sm font-medium text-brand-700 hover:underline"
                onClick={() => setValue("version", nextMajor, { shouldValidate: true })}
              >
                Publish as {nextMajor} instead (new major: consumers must upgrade)
              </button>
            )}
          </div>
        )}
      </section>
    </Sheet>
  );
}
