import path from 'node:path';

/** The checkout this code runs from: embedded services keep their state under it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const DATA_DIR = process.env.MONTH_CLOSE_DATA_DIR ?? path.join(PROJECT_ROOT, '.data');
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');
/** The checkout's own folder for what the demo writes (ignored by git). */
export const DEFAULT_OUT_DIR = path.join(PROJECT_ROOT, 'out');
/** Where the demo writes PDFs, e-mails, books …: MONTH_CLOSE_OUT_DIR moves it (a test's temp dir, say). */
export const OUT_DIR = process.env.MONTH_CLOSE_OUT_DIR ? path.resolve(process.env.MONTH_CLOSE_OUT_DIR) : DEFAULT_OUT_DIR;
