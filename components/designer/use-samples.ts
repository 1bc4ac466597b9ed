// Pinned samples per node (trigger input, a step's output): kept outside the DSL (flows.pinSample, audited)
// and shown to scope autocomplete, the mapper, the inspector and the test-run dialog.
import { useMutation } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { useTRPC } from "@/components/trpc/client";

export type Samples = Record<string, { payload: unknown; source: string; pinnedAt: Date }>;

export function useSamples(flowKey: string, initial: Samples, showToast: (message: string) => void) {
  const trpc = useTRPC();
  const [samples, setSamples] = useState(initial);
  const pin = useMutation(trpc.flows.pinSample.mutationOptions());
  const pinSample = useCallback(
    (nodeId: string, payload: unknown, source: "manual" | "test-run") => {
      pin.mutate(
        { flowKey, nodeId, payload, source },
        {
          onSuccess: (r) => {
            setSamples((s) => ({ ...s, [nodeId]: { payload, source, pinnedAt: r.pinnedAt } }));
            showToast(`Pinned a sample for ${nodeId}.`);
          },
          onError: (e) => showToast(e.message),
        },
      );
    },
    [flowKey, pin, showToast],
  );
  return { samples, pinSample };
}
