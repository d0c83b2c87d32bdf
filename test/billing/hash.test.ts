import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256Hex, utf8Bytes } from '../../billing/hash';

const nodeSha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('sha256Hex', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('handles every padding boundary (lengths 0..200)', () => {
    for (let n = 0; n <= 200; n++) {
      const s = 'x'.repeat(n);
      expect(sha256Hex(s)).toBe(nodeSha(s));
    }
  });

  it('matches node:crypto on random strings including Swedish letters and astral characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(sha256Hex(s)).toBe(nodeSha(s));
      }),
      { numRuns: 200 },
    );
    expect(sha256Hex('Extra företag – Å Ä Ö 😀')).toBe(nodeSha('Extra företag – Å Ä Ö 😀'));
  });

  it('encodes UTF-8 like TextEncoder, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), fc.constantFrom('', '\ud800', '\udc00', 'a\ud83d'), (s, odd) => {
        expect(Array.from(utf8Bytes(s + odd))).toEqual(Array.from(new TextEncoder().encode(s + odd)));
      }),
      { numRuns: 300 },
    );
  });
});
