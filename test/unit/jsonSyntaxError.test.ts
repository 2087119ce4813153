import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../config/jsonSyntaxError.js';

describe('jsonErrorOffset', () => {
  it('accepts what JSON.parse accepts', () => {
    for (const t of ['{}', ' [1, -2.5e+3, "a\\u00e9\\n", true, false, null, {"k": [{}]}] ', '"x"', '0']) {
      expect(JSON.parse(t)).toBeDefined();
      expect(jsonErrorOffset(t)).toBeUndefined();
    }
  });

  it('finds where the text stops being JSON', () => {
    const cases: [string, number][] = [
      ['{"a": tru}', 9],
      ['{"a": 1,}', 8],
      ['[1 2]', 3],
      ['[01]', 2],
      ['"a\\x"', 3],
      ['"a\nb"', 2],
      ['[1, 2', 5],
      ['', 0],
      ['{} x', 3],
      ['-', 0],
    ];
    for (const [text, offset] of cases) {
      expect(() => JSON.parse(text)).toThrow();
      expect([text, jsonErrorOffset(text)]).toEqual([text, offset]);
    }
  });
});
