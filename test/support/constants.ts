/** The migrated database every test file's own database is cloned from. */
export const TEMPLATE_DATABASE = 'month_close_template';
