// Writer thread entry when the provider runs from TypeScript sources (tests, development): registers tsx in this
// thread, then loads the real writer. Built packages start dist/store-writer.js directly.
import { register } from "tsx/esm/api";

register();
await import("./store-writer.ts");
