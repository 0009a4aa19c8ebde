export { type Anvil, type AnvilOptions, AnvilStartError, freePort, startAnvil } from "./anvil.js";
export { type FoundryTool, foundryBinary } from "./foundry.js";
