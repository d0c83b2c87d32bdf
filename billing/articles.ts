// The six articles and their descriptions, exactly as billing-rules.md fixes them.
// The new description is what the portal preview and the invoice print; the old one
// lets the first monthly invoice and support staff map old articles to new.

import type { Article } from './types';

export type ArticleUnit = 'module' | 'company' | 'user';

export interface ArticleInfo {
  description: string;
  legacyDescription: string;
  unit: ArticleUnit;
}

export const ARTICLE_INFO: Readonly<Record<Article, Readonly<ArticleInfo>>> = Object.freeze({
  smart: { description: 'OneStop Reporting - Smart', legacyDescription: 'OneStop Reporting Integration Fee', unit: 'module' },
  komplett: { description: 'OneStop Reporting - Komplett', legacyDescription: 'OneStop Reporting Budgeting', unit: 'module' },
  extra_company: {
    description: 'OneStop Reporting - Extra företag',
    legacyDescription: 'OneStop Reporting Number of companies (Volume)',
    unit: 'company',
  },
  superuser: { description: 'OneStop Reporting - Superanvändare', legacyDescription: 'OneStop Reporting Superuser', unit: 'user' },
  portal_user: { description: 'OneStop Reporting - Portalanvändare', legacyDescription: 'OneStop Reporting Portaluser', unit: 'user' },
  archive_user: { description: 'OneStop Reporting - Arkivanvändare', legacyDescription: 'OneStop Reporting Archiveuser', unit: 'user' },
});
