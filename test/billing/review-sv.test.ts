import { describe, expect, it } from 'vitest';
import { explainDraft, formatChangePct, policyVerdict, STILL_WAITS_PREFIX, type ApprovalPolicy } from '../../billing';
import { comparisonUpdatedSv, factSv, flagDetailSv, flagSv, outcomeSv, reasonSv, refusalSv, signedPct } from '../../billing/review-sv';

const nb = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const POLICY: ApprovalPolicy = {
  version: 'test-1',
  autoApprove: { enabled: true, maxChangePct: 5, maxChangeOre: 200_000 },
  flagChange: { minChangePct: 50, minChangeOre: 1_000_000 },
  fourEyesAboveOre: 100_000_000,
  escalateAfterHours: 24,
};

/** A draft against a previous invoice of `previousOre`, now `totalOre`. */
function verdictFor(previousOre: number, totalOre: number) {
  const line = (amountOre: number) => ({ article: 'smart' as const, description: 'OneStop Reporting - Smart', quantity: 1, amountOre });
  const snapshot = { customerId: 'C1', period: '2024-11', modules: [], users: [], companies: [] };
  const e = explainDraft({
    customerId: 'C1', period: '2024-11', lines: [line(totalOre)], totalOre, snapshot,
    previous: { number: 'F10001', period: '2024-10', totalOre: previousOre, lines: [line(previousOre)], snapshot },
    contradictions: [], lateEvents: [],
  });
  return policyVerdict(e, POLICY);
}

describe('review texts in Swedish', () => {
  it('names the limit that was crossed: +9,8 % (+494,00 kr) is over 5 % but within 2 000 kr', () => {
    const v = verdictFor(504_000, 553_400);
    expect(v.waitsBecause).toMatch(/is outside/);
    const sv = nb(reasonSv(v.waitsBecause));
    expect(sv).toBe('förändringen +9,8 % mot F10001 är större än ±5 % (beloppet +494,00 kr ligger inom ±2 000,00 kr)');
  });

  it('and the amount when only the amount is over, both when both are', () => {
    expect(nb(reasonSv(verdictFor(10_000_000, 10_300_000).waitsBecause))).toBe('förändringen +3 000,00 kr mot F10001 är större än ±2 000,00 kr (+3,0 % ligger inom ±5 %)');
    expect(nb(reasonSv(verdictFor(1_000_000, 1_300_000).waitsBecause))).toBe('förändringen +30,0 % (+3 000,00 kr) mot F10001 är större än både ±5 % och ±2 000,00 kr');
    expect(nb(reasonSv(verdictFor(1_000_000, 1_010_000).autoApprove))).toBe('+1,0 % (+100,00 kr) mot F10001, inom ±5 % och ±2 000,00 kr (policy test-1)');
  });

  it('flags, facts, outcomes and refusals carry no English code', () => {
    expect(flagSv('change_above_threshold')).toBe('Stor förändring');
    expect(flagDetailSv('new_article', 'new: superuser, portal_user')).toBe('ny: Superanvändare, Portalanvändare');
    expect(nb(flagDetailSv('change_above_threshold', `${formatChangePct(771)} (+1 000,00 kr) vs F10001`))).toBe('+7,7 % (+1 000,00 kr) mot F10001');
    expect(factSv({ kind: 'user_added', subject_type: 'user', subject_id: 'p2', detail: 'user added as portal_user' })).toBe('tillagd som Portalanvändare');
    expect(factSv({ kind: 'role_changed', subject_type: 'user', subject_id: 's1', detail: 'role portal_user → superuser' })).toBe('roll Portalanvändare → Superanvändare');
    expect(factSv({ kind: 'contradiction', subject_type: 'event', subject_id: 'e1', detail: "left out of the bill: deactivated user 'u1' which is not active" })).toBe(
      "räknas inte med i fakturan: avaktiverade användare 'u1' som inte var aktiv",
    );
    expect(reasonSv('flagged: first_invoice, four_eyes')).toBe('flaggat: första fakturan, fyra ögon');
    expect(outcomeSv('approved (approve_all)')).toBe('godkänt (godkänn alla)');
    expect(outcomeSv('approved 1 of 2 (update)')).toBe('godkänt 1 av 2 (konsolen eller kommandoraden)');
    expect(outcomeSv('refused (cli): a rejection needs a reason')).toBe('avvisat (kommandoraden): ett avvisande behöver en motivering');
    expect(outcomeSv('refused (console): Bo has already approved draft version 1; four eyes: a second, different approver must approve it')).toBe(
      'avvisat (konsolen): Bo har redan godkänt utkast 1; fyra ögon: en annan person måste göra det andra godkännandet',
    );
    expect(refusalSv('a rejection needs a reason')).toBe('ett avvisande behöver en motivering');
  });

  it('percentages in sv-SE with their sign', () => {
    expect(nb(signedPct(77.1))).toBe('+77,1 %');
    expect(nb(signedPct(-3.46))).toBe('−3,5 %');
    expect(signedPct(null)).toBe('–');
  });

  it('a refreshed review says after which document, when (Stockholm time) and what it was compared with before', () => {
    const before = { previous: { number: 'F10001', period: '2024-10', total_ore: 260_000, credit_notes: [], replaces: null, fully_credited: false }, change_ore: 24_400, flags: [] };
    expect(nb(comparisonUpdatedSv({ version: 2, at: '2024-12-02T07:00:00.000Z', after: { number: 'K10002', kind: 'credit_note', replaces: null }, before }))).toBe(
      'Jämförelsen uppdaterades 2024-12-02 08:00 efter kreditfaktura K10002; tidigare jämfört med F10001 (2024-10): 2 600,00 kr',
    );
    // Summer time, and a re-issue after a full credit.
    const credited = { ...before, previous: { ...before.previous, total_ore: 0, credit_notes: ['K10002'], fully_credited: true } };
    expect(nb(comparisonUpdatedSv({ version: 3, at: '2025-06-30T22:30:00.000Z', after: { number: 'F10005', kind: 'invoice', replaces: 'F10001' }, before: credited }))).toBe(
      'Jämförelsen uppdaterades 2025-07-01 00:30 efter faktura F10005 (ersätter F10001); tidigare föregående faktura F10001 (2024-10) krediterades helt (K10002): jämfört med 0,00 kr fakturerat',
    );
  });

  it('a refreshed draft the policy would now approve still waits for a person, and says so', () => {
    const now = verdictFor(1_000_000, 1_010_000).autoApprove!;
    expect(nb(reasonSv(`${STILL_WAITS_PREFIX}${now}`))).toBe('väntade redan när jämförelsen uppdaterades; nu +1,0 % (+100,00 kr) mot F10001, inom ±5 % och ±2 000,00 kr (policy test-1), men en person beslutar');
  });
});
