/**
 * The HTML shell shared by every page of the site: head (shared CSS), top bar with search, the sidebar table of
 * contents (every chapter; the current one with its sections), the page body, previous/next links, scripts.
 * In --single mode `assets` inlines everything instead of linking it (see ./assets).
 */
import { escapeHtml } from '../display/html';
import type { Chapter } from './chapter';
import { markChinese } from './lang';

export interface AssetRefs {
  /** <link>/<style> tags for the head. */
  styles: string;
  /** Scripts for the end of body; `plotly` only on pages that draw figures. */
  scripts: (opts: { plotly: boolean; search: boolean }) => string;
}

export interface PageOptions {
  title: string;
  chapters: Chapter[];
  current: Chapter | null;
  body: string;
  assets: AssetRefs;
  /** Links to other pages work (false in --single files: no sidebar links to siblings, no search). */
  site: boolean;
  plotly: boolean;
  /** File name of this page (for aria-current). */
  page: string;
}

export function chapterLabel(c: Chapter): string {
  return c.title;
}

function sidebar(o: PageOptions): string {
  const items = o.chapters.map((c) => {
    const here = c === o.current;
    const sections = here
      ? `<ol class="sections">${c.headings
          .filter((h) => h.level === 2)
          .map((h) => `<li><a href="#${escapeHtml(h.id)}">${escapeHtml(h.text)}</a></li>`)
          .join('')}</ol>`
      : '';
    return (
      `<li${here ? ' class="current"' : ''}><a href="${escapeHtml(c.page)}"${here ? ' aria-current="page"' : ''}>` +
      `${escapeHtml(chapterLabel(c))}</a>${sections}</li>`
    );
  });
  return (
    `<nav id="sidebar" class="sidebar" aria-label="Chapters">` +
    `<a class="home" href="index.html"${o.page === 'index.html' ? ' aria-current="page"' : ''}>Contents · 目录</a>` +
    `<ol class="chapters">${items.join('')}</ol></nav>`
  );
}

function searchBox(): string {
  return (
    `<div class="search" role="search"><label for="search-input" class="visually-hidden">Search all chapters</label>` +
    `<input id="search-input" type="search" placeholder="Search · 搜索" autocomplete="off" aria-controls="search-results">` +
    `<ol id="search-results" class="search-results" aria-live="polite" hidden></ol></div>`
  );
}

/** Previous/next chapter links for `c`. */
export function prevNext(chapters: Chapter[], c: Chapter): string {
  const i = chapters.indexOf(c);
  const prev = chapters[i - 1];
  const next = chapters[i + 1];
  const link = (ch: Chapter | undefined, rel: 'prev' | 'next') =>
    ch
      ? `<a class="${rel}" rel="${rel}" href="${escapeHtml(ch.page)}"><span class="dir">${rel === 'prev' ? '← Previous' : 'Next →'}</span>` +
        `<span class="name">${escapeHtml(chapterLabel(ch))}</span></a>`
      : `<span class="${rel}"></span>`;
  return `<nav class="prevnext" aria-label="Previous and next chapter">${link(prev, 'prev')}${link(next, 'next')}</nav>`;
}

export function renderPage(o: PageOptions): string {
  const top =
    `<header class="topbar"><button type="button" class="menu" aria-controls="sidebar" aria-expanded="false" ` +
    `aria-label="Show the table of contents">☰</button><a class="brand" href="${o.site ? 'index.html' : '#'}">kdlab · 知识蒸馏</a>` +
    (o.site ? searchBox() : '') +
    `</header>`;
  const html =
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="color-scheme" content="light dark">\n` +
    `<meta name="generator" content="kdlab export">\n<title>${escapeHtml(o.title)}</title>\n${o.assets.styles}\n</head>\n<body>\n` +
    `<a class="skip" href="#main">Skip to the content</a>\n${top}\n<div class="layout">\n` +
    (o.site ? sidebar(o) : '') +
    `<main id="main">\n${o.body}\n</main>\n</div>\n` +
    o.assets.scripts({ plotly: o.plotly, search: o.site }) +
    `\n</body>\n</html>\n`;
  return markChinese(html);
}
