/**
 * The chapters mix Chinese and English. Pages are `lang="en"`; every run of Chinese text in the rendered HTML is
 * wrapped in `<span lang="zh-Hans">`, so screen readers switch voice and the browser picks CJK fonts (and CJK
 * line breaking) for it. Only text between tags is touched — never attributes, scripts, styles or KaTeX's MathML.
 */

/** Han characters, with the CJK punctuation and full-width forms that sit between them. */
const HAN_RUN = /[\p{Script=Han}][\p{Script=Han}\u3000-\u303f\uff00-\uffef·\s]*/gu;
const RAW = /^<(script|style|annotation|textarea|title)\b/i;

export function markChinese(html: string): string {
  const parts = html.split(/(<[^>]*>)/);
  let rawUntil: string | null = null;
  return parts
    .map((p) => {
      if (p.startsWith('<')) {
        if (rawUntil && p.toLowerCase().startsWith(`</${rawUntil}`)) rawUntil = null;
        else if (!rawUntil) {
          const m = RAW.exec(p);
          if (m && !p.endsWith('/>')) rawUntil = m[1].toLowerCase();
        }
        return p;
      }
      if (rawUntil) return p;
      return p.replace(HAN_RUN, (run) => {
        const trimmed = run.trimEnd();
        return `<span lang="zh-Hans">${trimmed}</span>${run.slice(trimmed.length)}`;
      });
    })
    .join('');
}
