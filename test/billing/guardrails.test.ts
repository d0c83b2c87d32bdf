import { describe, expect, it } from 'vitest';
import { ARTICLE_INFO } from '../../billing/articles';
import { explainDraft, type ComparedLine, type ExplainInput, type PreviousInvoice } from '../../billing/explain';
import { flagDraft, policyVerdict, type ApprovalPolicy } from '../../billing/guardrails';
import type { Article, UsageSnapshot } from '../../billing/types';

// Every flag rule and every policy branch, with the edges issue #10 names: exactly at the
// threshold, a previous total of zero, a credit in the previous month.

const POLICY: ApprovalPolicy = {
  version: 'test-1',
  autoApprove: { enabled: true, maxChangePct: 5, maxChangeOre: 200_000 },
  flagChange: { minChangePct: 20, minChangeOre: 500_000 },
  fourEyesAboveOre: 5_000_000,
  escalateAfterHours: 72,
};

const line = (article: Article, quantity: number, amountOre: number): ComparedLine => ({ article, description: ARTICLE_INFO[article].description, quantity, amountOre });
const snap = (s: Partial<UsageSnapshot> = {}): UsageSnapshot => ({ customerId: 'C1', period: '2024-11', modules: ['smart'], users: [], companies: [], ...s });

function previous(totalOre: number, lines: ComparedLine[] = [line('smart', 1, totalOre)], s: UsageSnapshot | null = snap({ period: '2024-10' })): PreviousInvoice {
  return { number: 'F10123', period: '2024-10', totalOre, lines, snapshot: s };
}

/** A draft of one smart line (amount = total, to keep the arithmetic visible) against a previous invoice. */
function input(totalOre: number, prev: PreviousInvoice | null, extra: Partial<ExplainInput> = {}): ExplainInput {
  return { customerId: 'C1', period: '2024-11', lines: [line('smart', 1, totalOre)], totalOre, snapshot: snap(), previous: prev, contradictions: [], lateEvents: [], ...extra };
}

const codes = (i: ExplainInput, p = POLICY) => flagDraft(explainDraft(i), p).map((f) => f.code);

describe('explainDraft', () => {
  it('compares every article of either invoice, with the change', () => {
    const e = explainDraft({
      ...input(0, previous(100_000, [line('smart', 1, 149_500), line('portal_user', 2, 39_000)])),
      lines: [line('smart', 1, 149_500), line('superuser', 1, 39_500)],
      totalOre: 236_250,
    });
    expect(e.lines.map((l) => [l.article, l.previous_quantity, l.quantity, l.previous_amount_ore, l.amount_ore, l.change_ore])).toEqual([
      ['smart', 1, 1, 149_500, 149_500, 0],
      ['superuser', 0, 1, 0, 39_500, 39_500],
      ['portal_user', 2, 0, 39_000, 0, -39_000],
    ]);
    expect(e.change_ore).toBe(136_250);
    expect(e.previous).toEqual({ number: 'F10123', period: '2024-10', total_ore: 100_000, credit_notes: [], replaces: null, fully_credited: false });
  });

  it('names the users added and left per role, role changes, modules and companies', () => {
    const before = snap({ period: '2024-10', modules: ['smart'], users: [{ userId: 'u1', roles: ['portal_user'] }, { userId: 'u2', roles: ['archive_user'] }], companies: ['k1', 'k2'] });
    const now = snap({ modules: ['komplett'], users: [{ userId: 'u1', roles: ['portal_user', 'superuser'] }, { userId: 'u3', roles: ['archive_user'] }], companies: ['k2', 'k3'] });
    const e = explainDraft({ ...input(100_000, previous(100_000, undefined, before)), snapshot: now });
    expect(e.facts.map((f) => [f.kind, f.subject_id, f.detail])).toEqual([
      ['module_on', 'komplett', 'module komplett switched on'],
      ['module_off', 'smart', 'module smart switched off'],
      ['role_changed', 'u1', 'role portal_user → superuser'],
      ['user_added', 'u3', 'user added as archive_user'],
      ['user_left', 'u2', 'user left (was archive_user)'],
      ['company_added', 'k3', 'company added'],
      ['company_removed', 'k1', 'company removed'],
    ]);
  });

  it('says so when there is no previous invoice', () => {
    const e = explainDraft(input(100_000, null));
    expect(e.previous).toBeNull();
    expect(e.change_ore).toBeNull();
    expect(e.change_bp).toBeNull();
    expect(e.facts).toEqual([expect.objectContaining({ kind: 'first_invoice' })]);
  });

  it('lists contradictions and late events as facts', () => {
    const e = explainDraft(input(100_000, previous(100_000), {
      contradictions: [{ eventId: 'E1', reason: 'deactivating user u9 that is not active' }],
      lateEvents: [{ eventId: 'E2', subjectType: 'user', subjectId: 'u4', occurredOn: '2024-10-12' }],
    }));
    expect(e.facts.map((f) => [f.kind, f.subject_id])).toEqual([['contradiction', 'E1'], ['late_event', 'E2']]);
  });
});

describe('flag rules', () => {
  it('first_invoice without a previous invoice', () => {
    expect(codes(input(100_000, null))).toEqual(['first_invoice']);
  });

  it('change_above_threshold needs the percent AND the kronor limit exceeded', () => {
    // +20 % and +5 000 kr exactly: at the threshold, not above it.
    expect(codes(input(3_000_000, previous(2_500_000)))).toEqual([]);
    // +20.0004 % and +5 000,01 kr: above both.
    expect(codes(input(3_000_001, previous(2_500_000)))).toEqual(['change_above_threshold']);
    // +100 % but only +1 000 kr: percent alone does not flag.
    expect(codes(input(200_000, previous(100_000)))).toEqual([]);
    // +6 000 kr but only +1.2 %: kronor alone does not flag.
    expect(codes(input(50_600_000, previous(50_000_000)), { ...POLICY, fourEyesAboveOre: 100_000_000 })).toEqual([]);
    // A fall counts like a rise.
    expect(codes(input(1_000_000, previous(2_000_000)))).toEqual(['change_above_threshold']);
  });

  it('a previous total of zero: any change is above the percent limit, so the kronor limit decides', () => {
    expect(codes(input(400_000, previous(0)))).toEqual([]);
    expect(codes(input(600_000, previous(0)))).toEqual(['change_above_threshold']);
  });

  it('new_article and article_dropped', () => {
    const prev = previous(100_000, [line('smart', 1, 100_000), line('archive_user', 1, 0)]);
    const i = { ...input(100_000, prev), lines: [line('smart', 1, 100_000), line('superuser', 1, 0)] };
    expect(codes(i)).toEqual(['new_article', 'article_dropped']);
    expect(flagDraft(explainDraft(i), POLICY).map((f) => f.detail)).toEqual(['new: superuser', 'dropped: archive_user']);
  });

  it('usage_contradictions and late_events', () => {
    expect(codes(input(100_000, previous(100_000), { contradictions: [{ eventId: 'E1', reason: 'x' }] }))).toEqual(['usage_contradictions']);
    expect(codes(input(100_000, previous(100_000), { lateEvents: [{ eventId: 'E2', subjectType: 'user', subjectId: 'u', occurredOn: '2024-10-01' }] }))).toEqual(['late_events']);
  });

  it('four_eyes above the limit, not at it', () => {
    expect(codes(input(5_000_000, previous(5_000_000)))).toEqual([]);
    expect(codes(input(5_000_100, previous(5_000_100)))).toEqual(['four_eyes']);
  });
});

describe('the approval policy', () => {
  it('auto-approves an unflagged draft within the tolerance, saying why', () => {
    const v = policyVerdict(explainDraft(input(102_100, previous(100_000))), POLICY);
    expect(v.autoApprove?.replace(/[\u00a0\u202f]/g, ' ')).toBe('+2.1 % (+21,00 kr) vs F10123, within ±5 % and ±2 000,00 kr (policy test-1)');
    expect(v.waitsBecause).toBeNull();
    expect(v.approvalsNeeded).toBe(1);
    expect(v.policyVersion).toBe('test-1');
    expect(v.escalateAfterMs).toBe(72 * 3_600_000);
  });

  it('exactly at the tolerance is within it; just above is not', () => {
    expect(policyVerdict(explainDraft(input(105_000, previous(100_000))), POLICY).autoApprove).not.toBeNull();
    expect(policyVerdict(explainDraft(input(95_000, previous(100_000))), POLICY).autoApprove).not.toBeNull();
    expect(policyVerdict(explainDraft(input(105_001, previous(100_000))), POLICY).waitsBecause).toMatch(/outside ±5 %/);
    // +2 000 kr exactly on a large invoice is within; +2 000,01 kr is not.
    expect(policyVerdict(explainDraft(input(4_200_000, previous(4_000_000))), POLICY).autoApprove).not.toBeNull();
    expect(policyVerdict(explainDraft(input(4_200_001, previous(4_000_000))), POLICY).autoApprove).toBeNull();
  });

  it('never auto-approves a flagged draft, and says which flags', () => {
    const v = policyVerdict(explainDraft(input(100_000, null)), POLICY);
    expect(v.autoApprove).toBeNull();
    expect(v.waitsBecause).toBe('flagged: first_invoice');
  });

  it('four eyes needs two approvals and is never auto-approved', () => {
    const v = policyVerdict(explainDraft(input(6_000_000, previous(6_000_000))), POLICY);
    expect(v.approvalsNeeded).toBe(2);
    expect(v.autoApprove).toBeNull();
  });

  it('a previous total of zero cannot be judged in percent: a person decides', () => {
    const v = policyVerdict(explainDraft(input(100_000, previous(0))), POLICY);
    expect(v.autoApprove).toBeNull();
    expect(v.waitsBecause).toMatch(/credited/);
  });

  it('a credit in the previous month lowers what the draft is compared with', () => {
    // F10123 was 100 000 öre, a credit note took 50 000 back: 100 000 now is +100 %.
    const credited = previous(50_000, [line('smart', 1, 100_000), line('smart', -1, -50_000)]);
    const e = explainDraft(input(100_000, credited));
    expect(e.change_ore).toBe(50_000);
    expect(e.change_bp).toBe(10_000);
    expect(e.lines[0]).toMatchObject({ previous_quantity: 0, previous_amount_ore: 50_000 });
    expect(policyVerdict(e, POLICY).autoApprove).toBeNull();
  });

  it('with auto-approval off every draft waits for a person', () => {
    const v = policyVerdict(explainDraft(input(100_000, previous(100_000))), { ...POLICY, autoApprove: { ...POLICY.autoApprove, enabled: false } });
    expect(v.autoApprove).toBeNull();
    expect(v.waitsBecause).toBe('auto-approval is off');
  });
});
