import { NotBuilt } from "@/components/shell/not-built";

export default function Page() {
  return <NotBuilt href="/runs" />;
}
