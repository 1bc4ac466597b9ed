"use client";
// A value that follows its input once the input has been still for `ms` (typing into a checked field, a
// preview computed on the server): one hook instead of a copy per form.
import { useEffect, useState } from "react";

export function useDebounced<T>(value: T, ms = 400): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
