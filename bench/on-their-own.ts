import path from 'node:path';
import { startMailCatcher, startWebhookCatcher } from '../devenv/catchers';
import { closeSmtpPools, sendEmail } from '../notify/email';
import { postWebhook } from '../notify/webhook';
import { renderInvoicePdf } from '../pdf/render-invoice';
import { finalInvoice } from '../demo/worked-example-invoice';
import { now, printTable, promisePool, round, stats } from './support';

// Section 6: the plain loop's slow parts measured on their own, without a database or Temporal:
// PDF renders, e-mails with that PDF attached (to the local SMTP catcher) and signed webhooks
// (to the local webhook catcher), one at a time and a few at once.

export interface OnTheirOwnResult {
  n: number;
  pdfRendersPerSecond: number;
  pdfRenderMsP50: number;
  emailsPerSecond: { sequential: number; concurrent8: number };
  emailMsP50: number;
  webhooksPerSecond: { sequential: number; concurrent8: number };
  webhookMsP50: number;
}

async function rate(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<{ perSecond: number; p50Ms: number }> {
  const times: number[] = [];
  const t0 = now();
  await promisePool(
    Array.from({ length: n }, (_, i) => i),
    concurrency,
    async (i) => {
      const t = now();
      await fn(i);
      times.push(now() - t);
    },
  );
  return { perSecond: round(n / ((now() - t0) / 1000), 1), p50Ms: round(stats(times).p50, 1) };
}

export async function benchOnTheirOwn(tmpDir: string, n: number): Promise<OnTheirOwnResult> {
  // The worked example of billing-rules.md as a final invoice (the PDF tests' fixture).
  const doc = finalInvoice();
  const pdf = await renderInvoicePdf(doc); // warm-up: fonts parsed, code compiled
  const render = await rate(n, 1, () => renderInvoicePdf(doc));

  const mail = await startMailCatcher(path.join(tmpDir, 'own-mail'));
  const hooks = await startWebhookCatcher(path.join(tmpDir, 'own-webhooks'));
  try {
    const smtp = { host: '127.0.0.1', port: mail.port, secure: false, from: 'faktura@example.se' };
    const email = (i: number) =>
      sendEmail(smtp, { to: 'anna@example.se', subject: 'Faktura', text: 'Hej', attachments: [{ filename: 'F.pdf', content: pdf, contentType: 'application/pdf' }], idempotencyKey: `own-${i}` });
    const hook = (i: number) => postWebhook({ url: `${hooks.url}/P1`, secret: 's' }, { idempotencyKey: `own-${i}`, type: 'invoice.final', payload: { number: i } });
    const emailSeq = await rate(n, 1, email);
    const emailConc = await rate(n, 8, (i) => email(n + i));
    const hookSeq = await rate(n, 1, hook);
    const hookConc = await rate(n, 8, (i) => hook(n + i));
    const result: OnTheirOwnResult = {
      n,
      pdfRendersPerSecond: render.perSecond,
      pdfRenderMsP50: render.p50Ms,
      emailsPerSecond: { sequential: emailSeq.perSecond, concurrent8: emailConc.perSecond },
      emailMsP50: emailSeq.p50Ms,
      webhooksPerSecond: { sequential: hookSeq.perSecond, concurrent8: hookConc.perSecond },
      webhookMsP50: hookSeq.p50Ms,
    };
    printTable(`6. On their own, ${n} of each (no database, no Temporal; local catchers)`, ['what', 'per second, one at a time', 'per second, 8 at once', 'p50 ms one at a time'], [
      ['PDF render (worked example, final invoice)', render.perSecond, null, render.p50Ms],
      [`e-mail with that PDF (${Math.round(pdf.length / 1024)} KB) over SMTP`, emailSeq.perSecond, emailConc.perSecond, emailSeq.p50Ms],
      ['signed webhook POST', hookSeq.perSecond, hookConc.perSecond, hookSeq.p50Ms],
    ]);
    return result;
  } finally {
    closeSmtpPools();
    await hooks.close();
    await mail.close();
  }
}
