// The DSL interpreter: compiles a flow document into a Program over the kernel. PLACEHOLDER until
// server/dsl lands (its types drive this file).
import type { Compile } from "./run";

export const compileFlow: Compile = () => {
  throw new Error("the DSL interpreter is not available yet");
};
