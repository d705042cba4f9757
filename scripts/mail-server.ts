import { Worker } from 'node:worker_threads';

/** A running mail server of `pnpm dev` (see `mail-server.worker.mjs`). */
export interface DevMailServer {
  /** Closes the SMTP server and the web inbox; resolves when both are closed and the worker has exited. */
  stop(): Promise<void>;
}

/**
 * Starts maildev on its own worker thread (plain JavaScript, no TypeScript loader), SMTP on
 * 127.0.0.1:`smtpPort` and the web inbox on 127.0.0.1:`webPort`.
 * @throws Error with maildev's message when it cannot start (e.g. a port is taken).
 */
export function startDevMailServer(smtpPort: number, webPort: number): Promise<DevMailServer> {
  const worker = new Worker(new URL('./mail-server.worker.mjs', import.meta.url), { workerData: { smtpPort, webPort }, execArgv: [] });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the mail server's worker exited (code ${code}) before it started`)));
    worker.once('message', (m: { type: string; message?: string }) => {
      if (m.type !== 'ready') return reject(new Error(`mail server (maildev) failed to start: ${m.message}`));
      resolve({
        stop: async () => {
          worker.postMessage('stop');
          await exited;
        },
      });
    });
  });
}
