/** Production entry of the gateway. */
import { readFileSync } from 'node:fs';
import { createLogger, intEnv, stopOnSignals, verifierFromEnv } from '@ebook/subgraph-kit';
import { startGateway } from './gateway';
import { SUBGRAPHS, SUPERGRAPH_FILE } from './subgraphs';

const logger = createLogger('gateway');
const subgraphUrls = Object.fromEntries(SUBGRAPHS.flatMap((s) => (process.env[s.urlEnv] ? [[s.name, process.env[s.urlEnv]!]] : [])));
const gateway = await startGateway({
  port: intEnv('PORT', 4000),
  supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
  subgraphUrls,
  verifier: verifierFromEnv(),
  logger,
  // Defaults: playground off when NODE_ENV=production unless PLAYGROUND=true; limits from the GATEWAY_* variables.
});
stopOnSignals(() => [gateway], logger);
