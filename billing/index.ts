// Public API of the pure billing domain (safe to import from Temporal workflow code).

export * from './types';
export * from './articles';
export * from './period';
export * from './money';
export * from './snapshot';
export * from './rating';
export * from './ocr';
export * from './format';
export { sha256Hex, utf8Bytes } from './hash';
export * from './explain';
export * from './comparison-base';
export * from './guardrails';
export * from './receivable';
