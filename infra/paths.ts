import path from 'node:path';

/** The checkout this code runs from: embedded services keep their state under it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const DATA_DIR = process.env.MONTH_CLOSE_DATA_DIR ?? path.join(PROJECT_ROOT, '.data');
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');
export const OUT_DIR = path.join(PROJECT_ROOT, 'out');
