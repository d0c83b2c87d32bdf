import { describe, expect, it } from 'vitest';
import { ARTICLE_INFO } from '../../billing/articles';
import { ARTICLES } from '../../billing/types';

describe('ARTICLE_INFO', () => {
  it('has the exact new and old descriptions from billing-rules.md', () => {
    expect(ARTICLE_INFO).toEqual({
      smart: { description: 'OneStop Reporting - Smart', legacyDescription: 'OneStop Reporting Integration Fee', unit: 'module' },
      komplett: { description: 'OneStop Reporting - Komplett', legacyDescription: 'OneStop Reporting Budgeting', unit: 'module' },
      extra_company: { description: 'OneStop Reporting - Extra företag', legacyDescription: 'OneStop Reporting Number of companies (Volume)', unit: 'company' },
      superuser: { description: 'OneStop Reporting - Superanvändare', legacyDescription: 'OneStop Reporting Superuser', unit: 'user' },
      portal_user: { description: 'OneStop Reporting - Portalanvändare', legacyDescription: 'OneStop Reporting Portaluser', unit: 'user' },
      archive_user: { description: 'OneStop Reporting - Arkivanvändare', legacyDescription: 'OneStop Reporting Archiveuser', unit: 'user' },
    });
    expect(Object.keys(ARTICLE_INFO)).toEqual([...ARTICLES]);
  });

  it('uses precomposed Swedish letters (NFC), so text search and PDF extraction find them', () => {
    for (const a of ARTICLES) expect(ARTICLE_INFO[a].description).toBe(ARTICLE_INFO[a].description.normalize('NFC'));
  });
});
