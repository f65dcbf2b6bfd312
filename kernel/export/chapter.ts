/**
 * A notebook → a chapter: its page body (cells rendered), title, one-line summary, sections (for the sidebar and
 * search), the figure shown on the index page, and the headline results from its summary section.
 */
import * as path from 'path';
import { Notebook, Cell, text, tags } from '../runner/notebook';
import { Heading, Slugger, plainText, renderMarkdown } from './markdown';
import { highlight } from './highlight';
import { renderOutputs } from './outputs';
import { PLOTLY_MIME } from '../display/rich';
import type { SearchDoc } from './search';
import { escapeHtml } from '../display/html';
import type { LiveState } from './live';

export interface Chapter {
  /** The notebook's file name without .ipynb, e.g. 04-response-based-kd. */
  name: string;
  /** Its leading number (04 → 4), or null. */
  number: number | null;
  page: string;
  title: string;
  summary: string;
  headings: Heading[];
  body: string;
  /** Plotly figure outputs rendered on the page. */
  figures: number;
  /** The first figure (for the index page's thumbnail), if any. */
  thumbnail: unknown;
  /** Plain text of the summary section's generated results, if any. */
  headline: string;
  /** Whether the notebook has outputs at all (an unexecuted notebook exports as code only). */
  executed: boolean;
  /** The live page this chapter's models are tried on (see ./live), if it has one. */
  livePage: string | null;
  search: SearchDoc[];
}

function language(nb: Notebook): string {
  const info = nb.metadata.language_info as { name?: unknown } | undefined;
  const spec = nb.metadata.kernelspec as { language?: unknown } | undefined;
  const name = info?.name ?? spec?.language;
  return typeof name === 'string' ? name : 'typescript';
}

const SUMMARY_HEADING = /summary|小结|总结/i;

/** `live`: the site's live page, when this notebook handed models to it (see ./live). */
export function renderChapter(nb: Notebook, file: string, live?: LiveState): Chapter {
  const name = path.basename(file).replace(/(\.out)?\.ipynb$/, '');
  const num = /^(\d+)/.exec(name);
  const slugger = new Slugger();
  const headings: Heading[] = [];
  const figures = { count: 0 };
  const lang = language(nb);
  const parts: string[] = [];
  /** Plain text per section, for search; keyed by the heading that opens it. */
  const sections: { heading: Heading | null; text: string[] }[] = [{ heading: null, text: [] }];
  let thumbnail: unknown = null;
  let summary = '';
  let headline = '';
  let executed = false;

  for (const cell of nb.cells) {
    if (cell.cell_type === 'markdown') {
      const before = headings.length;
      const html = renderMarkdown(text(cell.source), { slugger, headings });
      sectionText(html, headings.slice(before), sections);
      if (!summary && headings.length && headings[0].level === 1) {
        const p = /<p>([\s\S]*?)<\/p>/.exec(html);
        if (p) summary = firstSentence(plainText(p[1]));
      }
      parts.push(`<section class="cell markdown">${html}</section>`);
    } else if (cell.cell_type === 'code') {
      const outputs = cell.outputs ?? [];
      if (outputs.length) executed = true;
      const count = typeof cell.execution_count === 'number' ? cell.execution_count : null;
      const before = headings.length;
      const outHtml = renderOutputs(outputs, { slugger, figures, live });
      for (const o of outputs) {
        if ((o.output_type === 'display_data' || o.output_type === 'execute_result') && o.data && PLOTLY_MIME in o.data)
          thumbnail ??= o.data[PLOTLY_MIME];
      }
      sectionText(outHtml, headings.slice(before), sections);
      const inSummary = SUMMARY_HEADING.test(headings[headings.length - 1]?.text ?? '');
      if (inSummary && !headline) headline = markdownOutputsText(cell);
      parts.push(codeCell(cell, lang, count, outHtml));
    } else {
      parts.push(`<section class="cell raw"><pre>${escapeHtml(text(cell.source))}</pre></section>`);
    }
  }
  const h1 = headings.find((h) => h.level === 1);
  const page = `${name}.html`;
  const title = h1?.text ?? name;
  return {
    name,
    number: num ? Number(num[1]) : null,
    page,
    title,
    summary,
    headings,
    body: parts.join('\n'),
    figures: figures.count,
    thumbnail,
    headline,
    executed,
    livePage: live?.ok ? live.href : null,
    search: sections
      .filter((s) => s.text.join(' ').trim() || s.heading)
      .map((s) => ({
        id: `${page}#${s.heading?.id ?? ''}`,
        page,
        anchor: s.heading?.id ?? '',
        chapter: title,
        title: s.heading?.text ?? title,
        text: s.text.join(' ').replace(/\s+/g, ' ').trim(),
      })),
  };
}

/** Appends the words of `html` to the current section, opening a section at each heading in `found`. */
function sectionText(html: string, found: Heading[], sections: { heading: Heading | null; text: string[] }[]) {
  if (!found.length) {
    sections[sections.length - 1].text.push(plainText(html));
    return;
  }
  // Split the html at each found heading's id.
  let rest = html;
  for (const h of found) {
    const at = rest.indexOf(`id="${h.id}"`);
    const start = at < 0 ? rest.length : rest.lastIndexOf('<', at);
    sections[sections.length - 1].text.push(plainText(rest.slice(0, start)));
    sections.push({ heading: h, text: [] });
    rest = rest.slice(start);
  }
  sections[sections.length - 1].text.push(plainText(rest));
}

function firstSentence(s: string): string {
  const m = /^(.{20,}?[.!?。！？])(\s|$)/.exec(s);
  const one = m ? m[1] : s;
  return one.length > 240 ? one.slice(0, 239) + '…' : one;
}

function markdownOutputsText(cell: Cell): string {
  const texts = (cell.outputs ?? []).flatMap((o) =>
    (o.output_type === 'display_data' || o.output_type === 'execute_result') && o.data?.['text/markdown'] !== undefined
      ? [plainText(renderMarkdown(text(o.data['text/markdown'] as string | string[])))]
      : [],
  );
  const all = texts.join(' ').trim();
  return all.length > 400 ? all.slice(0, 399) + '…' : all;
}

function codeCell(cell: Cell, lang: string, count: number | null, outputs: string): string {
  const t = tags(cell);
  const label = t.includes('injected-parameters')
    ? '<div class="cell-label">parameters set for this run (--param)</div>'
    : t.includes('parameters')
      ? '<div class="cell-label">parameters</div>'
      : '';
  const prompt = `<div class="prompt" aria-hidden="true">[${count ?? ' '}]</div>`;
  return (
    `<section class="cell code">${label}<div class="input">${prompt}` +
    `<pre class="code"><code class="hljs language-${escapeHtml(lang)}">${highlight(text(cell.source), lang)}</code></pre></div>` +
    (outputs ? `<div class="outputs">${outputs}</div>` : '') +
    `</section>`
  );
}
