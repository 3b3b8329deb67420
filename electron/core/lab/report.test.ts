import { describe, expect, it } from 'vitest';
import { formatTable } from './report';

describe('formatTable', () => {
  it('aligns columns to the widest cell and leaves no trailing spaces', () => {
    expect(
      formatTable(
        ['HOST', 'ADDRESS'],
        [
          ['h1', '172.30.1.11'],
          ['host-b', '1.2.3.4'],
        ],
      ),
    ).toBe(['HOST    ADDRESS', 'h1      172.30.1.11', 'host-b  1.2.3.4'].join('\n'));
  });
});
