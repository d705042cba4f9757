/** Production entry of the gateway. */
import { readFileSync } from 'node:fs';
import { createLogger, intEnv, startTracing, stopOnSignals, verifierFromEnv } from '@ebook/subgraph-kit';
import { startGateway } from './gateway';
import { SUPERGRAPH_FILE, subgraphUrlsFromEnv } from './supergraph-file';

startTracing('gateway');
const logger = createLogger('gateway');
const supergraphSdl = readFileSync(SUPERGRAPH_FILE, 'utf8');
const gateway = await startGateway({
  port: intEnv('PORT', 4000),
  supergraphSdl,
  subgraphUrls: subgraphUrlsFromEnv(supergraphSdl),
  verifier: verifierFromEnv(),
  logger,
  // Defaults: playground off when NODE_ENV=production unless PLAYGROUND=true; limits from the GATEWAY_* variables.
});
stopOnSignals(() => [gateway], logger);
