export { startGateway, type GatewayOptions, type GatewayContext } from './gateway';
export { composeSupergraph } from './compose';
export { SUBGRAPHS, SUPERGRAPH_FILE, REPO_ROOT, type SubgraphEntry } from './subgraphs';
export { startStack, type StackBaseOptions, type StackOptions, type Stack } from './stack';
export type { WebAppOptions } from './web-app';
/** The web client's defaults, for `pnpm dev`'s banner. */
export { DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_REDIRECT_URI } from '@ebook/user';
