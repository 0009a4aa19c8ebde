// Worker entry when the provider runs from TypeScript sources (tests, development): registers tsx in this thread,
// then loads the real worker. Built packages start dist/execute-worker.js directly.
import { register } from "tsx/esm/api";

register();
await import("./execute-worker.ts");
