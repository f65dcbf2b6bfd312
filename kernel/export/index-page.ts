/**
 * index.html: the curriculum. The article's eight sections in order ("人工智能|深度学习——知识蒸馏", see
 * notebooks/README.md); each with its chapter when one is exported (matched by the notebook's leading number):
 * the one-line summary, a thumbnail of its first figure, and the headline results of its run's summary section.
 * Sections without a chapter yet are listed as planned, and chapters outside the eight follow them.
 */
import { escapeHtml } from '../display/html';
import { scriptJson } from '../display/plotly';
import type { Chapter } from './chapter';

export const ARTICLE_SECTIONS: { zh: string; en: string }[] = [
  { zh: '引言', en: 'Introduction: why deep learning, and what it costs' },
  { zh: '什么是知识蒸馏', en: 'What knowledge distillation is' },
  { zh: '知识蒸馏的分类', en: 'A taxonomy of knowledge distillation' },
  { zh: '输出层知识蒸馏', en: 'Response-based (output-layer) distillation' },
  { zh: '中间层知识蒸馏', en: 'Intermediate-layer (feature) distillation' },
  { zh: '关系层知识蒸馏', en: 'Relational distillation' },
  { zh: '其它知识蒸馏方法', en: 'Other methods: multi-teacher, graph, cross-modal' },
  { zh: '知识蒸馏代码的编写', en: 'Writing distillation code' },
];

/** A small static copy of a Plotly figure (no axes titles, no hover), drawn by the site script. */
function thumbnail(fig: unknown, title: string): string {
  if (!fig || typeof fig !== 'object') return '';
  const f = fig as { data?: unknown; layout?: Record<string, unknown> };
  if (!Array.isArray(f.data)) return '';
  const layout = {
    ...(f.layout ?? {}),
    width: undefined,
    height: 180,
    showlegend: false,
    title: undefined,
    margin: { l: 30, r: 10, t: 10, b: 25 },
  };
  return (
    `<figure class="plot thumb"><div class="plotly-figure" role="img" aria-label="A figure from ${escapeHtml(title)}" ` +
    `style="min-height:180px"></div><script type="application/json" class="plotly-data">` +
    `${scriptJson({ data: f.data, layout, config: { staticPlot: true } })}</script></figure>`
  );
}

function card(c: Chapter): string {
  return (
    `<article class="card"><h3><a href="${escapeHtml(c.page)}">${escapeHtml(c.title)}</a></h3>` +
    (c.summary ? `<p class="summary">${escapeHtml(c.summary)}</p>` : '') +
    thumbnail(c.thumbnail, c.title) +
    (c.headline ? `<p class="headline"><strong>This run:</strong> ${escapeHtml(c.headline)}</p>` : '') +
    (c.executed ? '' : `<p class="headline">Exported without outputs (not executed).</p>`) +
    (c.livePage
      ? `<p class="live-link"><a href="${escapeHtml(c.livePage)}">✎ Draw a digit for this chapter's models</a></p>`
      : '') +
    `</article>`
  );
}

export function indexBody(chapters: Chapter[]): { body: string; figures: number } {
  const used = new Set<Chapter>();
  let figures = 0;
  const sections = ARTICLE_SECTIONS.map((s, i) => {
    const mine = chapters.filter((c) => c.number === i + 1);
    mine.forEach((c) => used.add(c));
    figures += mine.filter((c) => c.thumbnail).length;
    return (
      `<li class="article-section${mine.length ? '' : ' planned'}"><h2><span class="num">${i + 1}</span> ` +
      `${escapeHtml(s.zh)} · ${escapeHtml(s.en)}</h2>` +
      (mine.length ? mine.map(card).join('') : `<p class="planned-note">Planned: no chapter yet.</p>`) +
      `</li>`
    );
  });
  const others = chapters.filter((c) => !used.has(c));
  figures += others.filter((c) => c.thumbnail).length;
  const body =
    `<h1>知识蒸馏 · Knowledge distillation, in TypeScript</h1>\n` +
    `<p class="lead">The kdlab tutorial: one chapter per section of the article “人工智能|深度学习——知识蒸馏”. ` +
    `Every result on these pages was computed by the chapter's own run, and every chapter can be run again with ` +
    `<code>npx kdlab run</code>.</p>\n` +
    `<ol class="curriculum">${sections.join('')}</ol>` +
    (others.length ? `<h2>More chapters</h2>${others.map(card).join('')}` : '');
  return { body, figures };
}
