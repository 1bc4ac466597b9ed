"use client";
// Page state kept in the URL's query (filters), written with router.replace. The router applies a
// replace a moment later, so a second change made before then (two quick picks) must build on the first
// rather than on the URL as rendered, which would drop it: `latest()` is the query as the last change left it.
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef } from "react";

export function useUrlParams(path: string) {
  const router = useRouter();
  const params = useSearchParams();
  const pending = useRef<string | null>(null);
  useEffect(() => {
    if (pending.current === params.toString()) pending.current = null;
  }, [params]);
  return {
    params,
    latest: () => new URLSearchParams(pending.current ?? params.toString()),
    replace: (next: URLSearchParams) => {
      pending.current = next.toString();
      router.replace(`${path}${next.size ? `?${next}` : ""}`, { scroll: false });
    },
  };
}
