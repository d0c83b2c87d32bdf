import { formatSek } from '../billing/format';

// How a payment came to be booked on an invoice, as finance reads it in the invoice's list of
// payments: by its OCR number, by hand, or as one part of a payment split over several invoices
// (`payments assign REF --invoice A --invoice B`, migration 019). Swedish, sv-SE kronor.

export interface BookedPayment {
  reference: string;
  assigned_by: string | null;
  /** 0: the bank's own row; 1, 2…: a part of the bank's row split_of. */
  part: number;
  /** A part: how many parts its payment was split into, and the payment's whole amount. */
  parts: number | null;
  payment_total_ore: number | null;
}

export function bookedHowSv(p: BookedPayment): string {
  if (!p.assigned_by) return 'med OCR-numret';
  if (p.part === 0 || p.parts === null || p.payment_total_ore === null) return `för hand av ${p.assigned_by}`;
  return `del ${p.part} av ${p.parts} av inbetalning ${p.reference} (totalt ${formatSek(p.payment_total_ore)}), fördelad för hand av ${p.assigned_by}`;
}
