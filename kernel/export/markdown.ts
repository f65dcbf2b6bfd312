/**
 * Markdown → HTML for chapter pages: markdown-it (CommonMark + tables), KaTeX math (./math), highlighted code
 * fences (./highlight), and an id on every heading so the sidebar, search results and readers can link to it.
 * Raw HTML in a notebook's markdown is kept, as Jupyter shows it.
 */
import MarkdownIt from 'markdown-it';
import { mathPlugin } from './math';
import { highlight, knownLanguage } from './highlight';
import { escapeHtml } from '../display/html';

export interface Heading {
  level: number;
  /** Plain text of the heading (math as its TeX source). */
  text: string;
  id: string;
}

/** A URL fragment for a heading: letters (any script, so Chinese stays readable), digits and dashes. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s+/g, '-');
  return s || 'section';
}

/** Ids already given in one page, so two headings with the same text get `x` and `x-2`. */
export class Slugger {
  private readonly seen = new Map<string, number>();
  unique(text: string): string {
    const base = slug(text);
    const n = (this.seen.get(base) ?? 0) + 1;
    this.seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  }
}

const md = new MarkdownIt({
  html: true,
  linkify: false,
  typographer: false,
  highlight: (code, lang) => {
    const name = knownLanguage(lang);
    return name ? `<pre class="code"><code class="hljs language-${name}">${highlight(code, name)}</code></pre>` : '';
  },
});
md.use(mathPlugin);

interface PageEnv {
  slugger: Slugger;
  headings: Heading[];
}

md.renderer.rules.heading_open = (tokens, idx, options, env, self) => {
  const page = env as unknown as PageEnv;
  const inline = tokens[idx + 1];
  const text = inline.children?.map((t) => t.content).join('') ?? inline.content;
  const id = page.slugger.unique(text);
  const level = Number(tokens[idx].tag.slice(1));
  page.headings.push({ level, text, id });
  tokens[idx].attrSet('id', id);
  return self.renderToken(tokens, idx, options);
};
md.renderer.rules.heading_close = (tokens, idx, options, env, self) => {
  const { headings } = env as unknown as PageEnv;
  const h = headings[headings.length - 1];
  const anchor = h ? `<a class="anchor" href="#${escapeHtml(h.id)}" aria-label="Link to this section">#</a>` : '';
  return anchor + self.renderToken(tokens, idx, options);
};
// Images in markdown without alt text get their file name, so no image is silent to a screen reader.
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  const t = tokens[idx];
  const alt = self.renderInlineAsText(t.children ?? [], options, env).trim();
  const src = String(t.attrGet('src') ?? '');
  t.attrSet('alt', alt || src.split('/').pop() || 'image');
  return self.renderToken(tokens, idx, options);
};

/**
 * Render one markdown text. Pass the page's `slugger` so ids stay unique across cells; headings found are
 * appended to `headings`.
 */
export function renderMarkdown(source: string, opts: { slugger?: Slugger; headings?: Heading[] } = {}): string {
  const env: PageEnv = { slugger: opts.slugger ?? new Slugger(), headings: opts.headings ?? [] };
  return md.render(source, env as unknown as MarkdownIt.Env);
}

/** Markdown reduced to its words (for search, summaries, titles). */
export function plainText(html: string): string {
  return html
    .replace(/<(script|style|annotation|math)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<\/?(strong|em|b|i|code|a|span|sub|sup)\b[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
