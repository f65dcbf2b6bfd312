/**
 * Jupyter counts cursor positions in Unicode code points (protocol >= 5.2); JavaScript strings and the
 * TypeScript compiler count UTF-16 code units. These convert between the two for a given text.
 */

/** UTF-16 offset of the code point index `cp` in `text` (clamped to the text). */
export function fromCodePoints(text: string, cp: number): number {
  let offset = 0;
  for (let i = 0; i < cp && offset < text.length; i++) {
    offset += (text.codePointAt(offset) ?? 0) > 0xffff ? 2 : 1;
  }
  return offset;
}

/** Code point index of the UTF-16 offset `offset` in `text`. */
export function toCodePoints(text: string, offset: number): number {
  return Array.from(text.slice(0, offset)).length;
}
