import type { Command } from 'commander';
import { parseTrustedProxies, startConsole } from '../../web/server';
import { UsageError, withServices } from '../runtime';
import { openDeliveryResender } from '../../worker/delivery-resend';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the web console against the configured services, until Ctrl-C')
    .option('--port <n>', 'TCP port (default 8080; 0 picks a free one)', '8080')
    .option('--host <h>', 'address to listen on', '127.0.0.1')
    .option('--https', 'browsers reach the console over HTTPS (a TLS proxy in front): send HSTS and Secure cookies (also CONSOLE_HTTPS=1)')
    .option('--trust-proxy <addresses>', 'comma-separated IPs/CIDR ranges of reverse proxies whose X-Forwarded-For names the client (also CONSOLE_TRUST_PROXY)')
    .action(
      withServices((opts: { port: string; host: string; https?: boolean; trustProxy?: string }) => {
        const port = Number(opts.port);
        if (!/^\d{1,5}$/.test(opts.port) || port > 65535) throw new UsageError(`--port ${opts.port.slice(0, 20)} is not a port number (0-65535)`);
        if (opts.host.trim() === '') throw new UsageError('--host is empty: give an address such as 127.0.0.1');
        let trustProxy: string[];
        try {
          trustProxy = opts.trustProxy !== undefined ? parseTrustedProxies(opts.trustProxy, '--trust-proxy') : parseTrustedProxies(process.env.CONSOLE_TRUST_PROXY, 'CONSOLE_TRUST_PROXY');
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        return async (services) => {
          const served = await startConsole({
            db: services.db,
            client: services.client,
            config: services.config,
            uiUrl: services.endpoints.uiUrl,
            namespace: services.endpoints.namespace,
            resendDeliveries: openDeliveryResender(services.db),
            // CONSOLE_SECURE_COOKIES is the older name of the same setting.
            https: opts.https === true || process.env.CONSOLE_HTTPS === '1' || process.env.CONSOLE_SECURE_COOKIES === '1',
            trustProxy,
            port,
            host: opts.host,
          });
          process.stdout.write(`Console    ${served.url}\n`);
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await served.close();
        };
      }),
    );
}
