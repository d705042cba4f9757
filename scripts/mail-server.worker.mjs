/**
 * `pnpm dev`'s mail server (maildev: a real SMTP server and its web inbox) on a worker thread of
 * its own, as plain JavaScript without the TypeScript loader: maildev loads jsdom, about a fifth
 * of pnpm dev's module loading, which then runs on the other core beside the contexts' loading
 * instead of before it.
 *
 * workerData: `{ smtpPort, webPort }` (numbers, bound to 127.0.0.1). Messages to the parent:
 * `{ type: 'ready' }` once both listen, `{ type: 'failed', message }` when the start fails (the
 * worker then exits), `{ type: 'stopped' }` after a `'stop'` message from the parent closed both
 * servers (the worker then exits).
 */
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

enableCompileCache?.(fileURLToPath(new URL('../.cache/node-compile-cache', import.meta.url)));
const { MailDev } = await import('maildev');
const { smtpPort, webPort } = workerData;
const maildev = new MailDev({ smtp: smtpPort, web: webPort, ip: '127.0.0.1', webIp: '127.0.0.1', silent: true });
try {
  await maildev.start();
  parentPort.postMessage({ type: 'ready' });
} catch (err) {
  parentPort.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
parentPort.on('message', async (message) => {
  if (message !== 'stop') return;
  await maildev.stop();
  parentPort.postMessage({ type: 'stopped' });
  parentPort.close();
});
