import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { AppConfig } from '../../infra/config';
import type { Db } from '../../infra/db';
import { emailMessageId } from '../../notify/email';

// What the kill-the-worker drill proves, each a named check on outcomes: the database, what
// arrived at the catchers, and Temporal's view of the workflows. Nothing here depends on which
// activities a close runs, so the checks hold while the close's steps change.

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Expected {
  customers: number;
  badMasterData: string[];
  nothingToBill: string[];
}

const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });
const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
const list = (xs: string[], none = 'none') => (xs.length ? xs.slice(0, 10).join(', ') + (xs.length > 10 ? ` … (${xs.length})` : '') : none);

/** Every customer has one close, in the state its data calls for, and none is left half-way. */
export async function everyCustomerClosedOnce(db: Db, period: string, expected: Expected): Promise<Check> {
  const runs = (await db('close_runs').where({ period }).select('customer_id', 'state')) as { customer_id: string; state: string }[];
  const inState = (s: string) => runs.filter((r) => r.state === s).map((r) => r.customer_id);
  const unsettled = runs.filter((r) => !['final', 'failed', 'nothing_to_bill'].includes(r.state)).map((r) => `${r.customer_id}:${r.state}`);
  const billable = expected.customers - expected.badMasterData.length - expected.nothingToBill.length;
  const final = inState('final').length;
  return check(
    'every customer closed exactly once',
    runs.length === expected.customers && final === billable && sameSet(inState('failed'), expected.badMasterData) && sameSet(inState('nothing_to_bill'), expected.nothingToBill) && unsettled.length === 0,
    `${runs.length}/${expected.customers} closes: ${final} final (${billable} expected), failed ${list(inState('failed'))} (expected ${list(expected.badMasterData)}), ` +
      `nothing to bill ${inState('nothing_to_bill').length} (expected ${expected.nothingToBill.length}), unsettled ${list(unsettled)}`,
  );
}

/** One invoice per final customer, none for anyone else, and each final close points at its own. */
export async function oneInvoicePerFinalCustomer(db: Db, period: string): Promise<Check> {
  const invoices = (await db('invoices').where({ period, kind: 'invoice' }).select('id', 'customer_id')) as { id: number; customer_id: string }[];
  const final = (await db('close_runs').where({ period, state: 'final' }).select('customer_id', 'invoice_id')) as { customer_id: string; invoice_id: number | null }[];
  const perCustomer = new Map<string, number>();
  for (const i of invoices) perCustomer.set(i.customer_id, (perCustomer.get(i.customer_id) ?? 0) + 1);
  const twice = [...perCustomer].filter(([, n]) => n > 1).map(([c, n]) => `${c}×${n}`);
  const owner = new Map(invoices.map((i) => [Number(i.id), i.customer_id]));
  const finalIds = new Set(final.map((f) => f.customer_id));
  const notFinal = [...perCustomer.keys()].filter((c) => !finalIds.has(c));
  const badLinks = final.filter((f) => owner.get(Number(f.invoice_id)) !== f.customer_id).map((f) => `${f.customer_id}→${f.invoice_id}`);
  return check(
    '0 duplicate invoices',
    twice.length === 0 && notFinal.length === 0 && badLinks.length === 0 && invoices.length === final.length,
    `${invoices.length} invoices for ${final.length} final customers; invoiced twice ${list(twice)}; invoiced but not final ${list(notFinal)}; final without its own invoice ${list(badLinks)}`,
  );
}

/** The series runs from the first number without a gap, and the counter stands right after the last. */
export async function gaplessNumbers(db: Db, config: AppConfig): Promise<Check> {
  const numbers = ((await db('invoices').where({ series: config.invoiceSeries }).orderBy('number').select('number')) as { number: number }[]).map((r) => Number(r.number));
  const gaps: string[] = [];
  for (let i = 1; i < numbers.length; i++) if (numbers[i] !== numbers[i - 1]! + 1) gaps.push(`${numbers[i - 1]}→${numbers[i]}`);
  const counter = (await db('invoice_number_series').where({ series: config.invoiceSeries }).first('next_number')) as { next_number: number } | undefined;
  const first = numbers[0];
  const last = numbers[numbers.length - 1];
  const ok = gaps.length === 0 && (first === undefined || (first === config.firstInvoiceNumber && Number(counter?.next_number) === last! + 1));
  return check('gapless invoice numbers', ok, `${config.invoiceSeries}${first ?? '–'}…${config.invoiceSeries}${last ?? '–'} (${numbers.length}), next ${counter?.next_number}; gaps ${list(gaps)}`);
}

/** A crash must not make a second draft of the same customer. */
export async function oneDraftPerCustomer(db: Db, period: string): Promise<Check> {
  const rows = (await db('drafts').where({ period }).groupBy('customer_id').select('customer_id').count({ n: '*' })) as unknown as { customer_id: string; n: string }[];
  const more = rows.filter((r) => Number(r.n) > 1).map((r) => `${r.customer_id}×${r.n}`);
  return check('one draft per customer', more.length === 0, `${rows.length} customers with drafts; more than one: ${list(more)}`);
}

export interface Delivery {
  subject_key: string;
  subscriber_id: number;
  event: string;
  status: string;
  idempotency_key: string;
  channel: 'email' | 'webhook';
}

export async function deliveriesOf(db: Db, period: string): Promise<Delivery[]> {
  return (await db('notification_deliveries as d')
    .join('subscribers as s', 's.id', 'd.subscriber_id')
    .where('d.period', period)
    .select('d.subject_key', 'd.subscriber_id', 'd.event', 'd.status', 'd.idempotency_key', 's.channel')) as Delivery[];
}

/** One delivery row per (subject, subscriber, event), each delivered. */
export function everyDeliveryOnceAndDelivered(deliveries: Delivery[]): Check {
  const seen = new Map<string, number>();
  for (const d of deliveries) seen.set(`${d.subject_key}|${d.subscriber_id}|${d.event}`, (seen.get(`${d.subject_key}|${d.subscriber_id}|${d.event}`) ?? 0) + 1);
  const twice = [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k}×${n}`);
  const open = deliveries.filter((d) => d.status !== 'delivered').map((d) => `${d.subject_key}:${d.event}:${d.status}`);
  return check('one delivery per notice, all delivered', twice.length === 0 && open.length === 0, `${deliveries.length} deliveries; twice ${list(twice)}; not delivered ${list(open)}`);
}

/** Finance heard of every draft, and every final invoice was announced to each subscriber: the customer, finance, its partner. */
export async function everyNoticePlanned(db: Db, period: string, deliveries: Delivery[]): Promise<Check> {
  const subscribers = async (event: string, role: string, partnerId?: string) =>
    Number(
      ((await db('subscribers').where({ role, active: true, ...(partnerId ? { partner_id: partnerId } : {}) }).whereNull('customer_id').whereRaw('? = ANY(events)', [event]).count({ n: '*' }).first()) as { n: string }).n,
    );
  const drafts = Number(((await db('drafts').where({ period }).count({ n: '*' }).first()) as { n: string }).n);
  const draftReady = drafts * (await subscribers('draft_ready', 'finance'));
  const invoices = (await db('invoices as i').join('customers as c', 'c.customer_id', 'i.customer_id').where({ 'i.period': period, 'i.kind': 'invoice' }).select('c.billing_email', 'c.partner_id')) as {
    billing_email: string | null;
    partner_id: string | null;
  }[];
  const finance = await subscribers('invoice_final', 'finance');
  const partners = new Map<string, number>();
  let invoiceFinal = 0;
  for (const i of invoices) {
    if (i.partner_id && !partners.has(i.partner_id)) partners.set(i.partner_id, await subscribers('invoice_final', 'partner', i.partner_id));
    invoiceFinal += (i.billing_email ? 1 : 0) + finance + (i.partner_id ? partners.get(i.partner_id)! : 0);
  }
  const count = (event: string) => deliveries.filter((d) => d.event === event).length;
  return check(
    'every draft and invoice announced to each subscriber',
    count('draft_ready') === draftReady && count('invoice_final') === invoiceFinal,
    `draft_ready ${count('draft_ready')} (${draftReady} expected for ${drafts} drafts), invoice_final ${count('invoice_final')} (${invoiceFinal} expected for ${invoices.length} invoices)`,
  );
}

/**
 * What the receivers got: every delivery's key at least once and no key we did not send.
 * A copy under the same key is the documented window (a worker killed after the receiver
 * accepted, before the row was updated); it is counted, and the receiver can drop it by key.
 */
export function everyDeliveryAtTheReceiver(deliveries: Delivery[], mailDir: string, webhookDir: string): { check: Check; copies: { email: number; webhook: number } } {
  const mail = keysInMail(mailDir);
  const hooks = keysInWebhooks(webhookDir);
  const problems: string[] = [];
  const copies = { email: 0, webhook: 0 };
  for (const [channel, got] of [['email', mail.keys], ['webhook', hooks.keys]] as const) {
    const sent = new Set(deliveries.filter((d) => d.channel === channel).map((d) => d.idempotency_key));
    const missing = [...sent].filter((k) => !got.has(k));
    const unknown = [...got.keys()].filter((k) => !sent.has(k));
    if (missing.length || unknown.length) problems.push(`${channel}: ${missing.length} missing, ${unknown.length} unknown`);
    copies[channel] = [...got.values()].reduce((s, n) => s + n - 1, 0);
  }
  if (mail.withoutKey + hooks.withoutKey) problems.push(`${mail.withoutKey + hooks.withoutKey} messages without a key`);
  if (mail.badMessageIds) problems.push(`${mail.badMessageIds} e-mails whose Message-ID is not derived from their key`);
  return {
    check: check(
      'every delivery at its receiver',
      problems.length === 0,
      `${mail.files} e-mails and ${hooks.files} webhooks for ${deliveries.length} deliveries; repeats under the same key: ${copies.email} e-mail, ${copies.webhook} webhook; ${list(problems, 'nothing missing')}`,
    ),
    copies,
  };
}

function keysInMail(dir: string) {
  const keys = new Map<string, number>();
  let files = 0;
  let withoutKey = 0;
  let badMessageIds = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.eml'))) {
    files += 1;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const head = text.slice(0, Math.max(0, text.search(/\r?\n\r?\n/))).replace(/\r?\n[ \t]+/g, ' ');
    const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? null;
    const key = header('X-Idempotency-Key');
    if (!key) withoutKey += 1;
    else {
      keys.set(key, (keys.get(key) ?? 0) + 1);
      if (header('Message-ID') !== emailMessageId(key)) badMessageIds += 1;
    }
  }
  return { files, keys, withoutKey, badMessageIds };
}

function keysInWebhooks(dir: string) {
  const keys = new Map<string, number>();
  let files = 0;
  let withoutKey = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    files += 1;
    const key = (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { headers: Record<string, string | undefined> }).headers['idempotency-key'];
    if (!key) withoutKey += 1;
    else keys.set(key, (keys.get(key) ?? 0) + 1);
  }
  return { files, keys, withoutKey };
}

/** Temporal agrees: no customer close still runs or was cut off, and only bad master data failed. */
export async function everyCloseWorkflowClosed(client: Client, period: string, expected: Expected): Promise<Check> {
  const count = async (status: string) =>
    (await client.workflow.count(`WorkflowType = "customerClose" AND BillingPeriod = "${period}" AND ExecutionStatus ${status}`)).count;
  const completed = await count('= "Completed"');
  const failed = await count('= "Failed"');
  const running = await count('= "Running"');
  const other = await count('!= "Completed" AND ExecutionStatus != "Failed" AND ExecutionStatus != "Running"');
  return check(
    'Temporal: every customer close ended, only bad master data failed',
    running === 0 && other === 0 && failed === expected.badMasterData.length && completed + failed === expected.customers,
    `customerClose: ${completed} completed, ${failed} failed, ${running} running, ${other} terminated/timed out/cancelled`,
  );
}

/**
 * The kills hit work in flight: some history shows an activity attempt lost with its worker
 * (retried after a timeout) or a workflow task that timed out. Read from events, not activity names.
 */
export async function killsHitWorkInFlight(client: Client, period: string, kills: number): Promise<Check> {
  const { EventType } = temporal.api.enums.v1;
  let lostActivities = 0;
  let lostWorkflowTasks = 0;
  let executions = 0;
  for await (const wf of client.workflow.list({ query: `BillingPeriod = "${period}"` })) {
    executions += 1;
    for (const ev of (await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? []) {
      const started = ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED ? ev.activityTaskStartedEventAttributes : null;
      if (started && (started.attempt ?? 1) > 1 && started.lastFailure?.timeoutFailureInfo) lostActivities += 1;
      if (ev.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) lostWorkflowTasks += 1;
    }
  }
  return check(
    'the kills hit work in flight',
    kills === 0 || lostActivities + lostWorkflowTasks > 0,
    `${lostActivities} activity attempts timed out and were retried, ${lostWorkflowTasks} workflow tasks timed out (${executions} histories read)`,
  );
}
