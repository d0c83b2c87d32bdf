import type { ConnectionLike } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../contracts/close-messages';
import { logger } from './logger';

// A Temporal namespace ready for month-close: it exists and knows the search attributes the
// closes write (BillingPeriod, CustomerId, CloseState). Idempotent: safe to run on every
// deploy, by `month-close temporal setup`, by `dev` and by the tests.

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const NOT_FOUND = 5; // gRPC status
const ALREADY_EXISTS = 6;
const UNIMPLEMENTED = 12;

export interface NamespaceSetup {
  namespace: string;
  createdNamespace: boolean;
  addedSearchAttributes: string[];
  presentSearchAttributes: string[];
}

/** Thrown with the reason and what to do when the server refuses the setup. */
export class NamespaceSetupError extends Error {}

/** How long a new namespace may take to be served: a cluster's namespace cache refreshes every ~10 s. */
export const NAMESPACE_VISIBLE_WAIT_MS = 60_000;

export async function prepareNamespace(
  connection: ConnectionLike,
  namespace: string,
  opts: { retentionDays?: number; createNamespace?: boolean; visibleWaitMs?: number } = {},
): Promise<NamespaceSetup> {
  const createdNamespace = await ensureNamespace(connection, namespace, opts);
  // A namespace registered moments ago (here or by a run cut short) is stored, but each service
  // learns of it only when its namespace cache refreshes: until then it answers "not found".
  const waitMs = opts.visibleWaitMs ?? NAMESPACE_VISIBLE_WAIT_MS;
  const served = <T>(call: () => Promise<T>) => whenServed(namespace, waitMs, call);
  const wanted = Object.keys(SEARCH_ATTRIBUTES);
  const listed = await served(() => connection.operatorService.listSearchAttributes({ namespace })).catch((err: Error & { code?: number }) => {
    // Temporal's time-skipping test server cannot list them: then add all, as if none were there.
    if (err.code === UNIMPLEMENTED) return { customAttributes: {} };
    if (err instanceof NamespaceSetupError) throw err;
    throw new NamespaceSetupError(`cannot list the search attributes of namespace ${namespace}: ${err.message}`);
  });
  const present = new Set(Object.keys(listed.customAttributes ?? {}));
  const missing = wanted.filter((name) => !present.has(name));
  if (missing.length > 0) {
    try {
      await served(() =>
        connection.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
        }),
      );
    } catch (err) {
      if (err instanceof NamespaceSetupError) throw err;
      // Another process may have added them meanwhile: that is the state we want.
      if ((err as { code?: number }).code !== ALREADY_EXISTS) {
        throw new NamespaceSetupError(
          `cannot add search attributes ${missing.join(', ')} to namespace ${namespace}: ${(err as Error).message}. ` +
            'On Temporal Cloud add them in the namespace settings (type Keyword), then run this again.',
        );
      }
    }
  }
  return { namespace, createdNamespace, addedSearchAttributes: missing, presentSearchAttributes: wanted.filter((n) => present.has(n)) };
}

/**
 * `call`, again every half second while the server says the namespace is not found, for at
 * most `waitMs` (0: once); then the reason and what to do.
 */
async function whenServed<T>(namespace: string, waitMs: number, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + waitMs;
  let said = false;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if ((err as { code?: number }).code !== NOT_FOUND || waitMs === 0) throw err;
      if (Date.now() > deadline) {
        throw new NamespaceSetupError(
          `namespace ${namespace} exists, but the server still did not serve it after ${Math.round(waitMs / 1000)} s ` +
            `(${(err as Error).message}); a cluster serves a new namespace once its namespace cache refreshes: run 'month-close temporal setup' again in a minute`,
        );
      }
      if (!said) logger.info({ namespace }, 'namespace created; waiting until the server serves it (its namespace cache refreshes within seconds)');
      said = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function ensureNamespace(connection: ConnectionLike, namespace: string, opts: { retentionDays?: number; createNamespace?: boolean }): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return false;
  } catch (err) {
    if ((err as { code?: number }).code !== NOT_FOUND) {
      throw new NamespaceSetupError(`cannot describe namespace ${namespace}: ${(err as Error).message}`);
    }
  }
  if (opts.createNamespace === false) {
    throw new NamespaceSetupError(`namespace ${namespace} does not exist: create it (or run 'month-close temporal setup --create-namespace')`);
  }
  const days = opts.retentionDays ?? 30;
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(days * 86_400_000),
      description: 'month-close: monthly invoicing',
    });
  } catch (err) {
    if ((err as { code?: number }).code === ALREADY_EXISTS) return false;
    throw new NamespaceSetupError(`cannot create namespace ${namespace}: ${(err as Error).message}`);
  }
  return true;
}
