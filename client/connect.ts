import { Client, Connection } from '@temporalio/client';
import type { Endpoints } from '../infra/endpoints';

export async function connectClient(endpoints: Pick<Endpoints, 'temporalAddress' | 'namespace'>): Promise<{ client: Client; close(): Promise<void> }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: endpoints.temporalAddress, connectTimeout: 5000 });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${endpoints.temporalAddress} (${(err as Error).message}); is 'month-close dev' running, or TEMPORAL_ADDRESS right?`);
  }
  return { client: new Client({ connection, namespace: endpoints.namespace }), close: () => connection.close() };
}
