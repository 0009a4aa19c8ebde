export { type Anvil, type AnvilOptions, AnvilStartError, freePort, startAnvil } from "./anvil.js";
export {
  type CoreDeployment,
  type DeploymentParams,
  deployCore,
  deployService,
  devnetParams,
  readManifest,
  registerProgram,
  registerProvider,
  type ServiceSpec,
} from "./deploy.js";
export { ANVIL_MNEMONIC, devKey } from "./dev-accounts.js";
export { type FoundryTool, foundryBinary } from "./foundry.js";
