/**
 * Build the static site (or --single files) from notebooks: one page per chapter, index.html, shared assets,
 * the notebooks themselves (linked from each page's "run this chapter" note). Returns what was written, with
 * sizes, so the CLI can report them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readNotebook } from '../runner/notebook';
import { shellWord } from '../shell-word';
import { escapeHtml } from '../display/html';
import { Chapter, renderChapter } from './chapter';
import { indexBody } from './index-page';
import { AssetRefs, prevNext, renderPage } from './page';
import { indexScript } from './search';
import { inlineAssets, writeAssets } from './assets';
import { LIVE_PAGE, LiveState, liveState, livePageBody, writeLiveAssets } from './live';

export interface ExportInput {
  /** The executed notebook to render. */
  file: string;
  /** The notebook readers should run (the chapter's source, e.g. notebooks/04-….ipynb); default `file`. */
  source?: string;
}

export interface Written {
  file: string;
  bytes: number;
  /** Plotly figures on the page. */
  figures?: number;
}

/** "Run this chapter" note: the command and a link to the notebook copied beside the pages. */
function runNote(source: string, site: boolean): string {
  const cmd = `npx kdlab run ${shellWord(source)} --out out/`;
  const name = escapeHtml(path.basename(source));
  return (
    `<aside class="run-note" aria-label="Run this chapter"><strong>Run this chapter</strong> yourself: ` +
    `<code>${escapeHtml(cmd)}</code> (add <code>--param quick=true</code> for a fast run), or open ` +
    (site ? `<a href="notebooks/${name}" download>${name}</a>` : name) +
    ` in JupyterLab with the kdlab kernel (<code>npx kdlab kernel install --user</code>).</aside>`
  );
}

function chapterBody(c: Chapter, chapters: Chapter[], source: string, site: boolean): string {
  return (
    runNote(source, site) +
    (c.executed
      ? ''
      : `<p class="output-missing" role="note">This notebook has no outputs: export an executed one (kdlab export --execute).</p>`) +
    `<article class="chapter">${c.body}</article>` +
    (site ? prevNext(chapters, c) : '')
  );
}

/** `site`: chapters that handed models to the live page link to it (the first such chapter only). */
function load(inputs: ExportInput[], site: boolean): { chapter: Chapter; source: string; live: LiveState | null }[] {
  let liveFound = false;
  return inputs.map((i) => {
    const nb = readNotebook(i.file);
    const source = i.source ?? i.file;
    const live = site && !liveFound ? liveState(nb) : null;
    if (live) liveFound = true;
    return { chapter: renderChapter(nb, source, live ?? undefined), source, live };
  });
}

function write(file: string, content: string | Buffer, out: Written[], figures?: number) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  out.push({ file, bytes: fs.statSync(file).size, ...(figures !== undefined ? { figures } : {}) });
}

/** The site: DIR/index.html, DIR/<chapter>.html, DIR/assets/, DIR/notebooks/. Chapters in input order. */
export function exportSite(inputs: ExportInput[], dir: string): Written[] {
  const loaded = load(inputs, true);
  const chapters = loaded.map((l) => l.chapter);
  const names = new Set<string>();
  for (const c of chapters) {
    if (names.has(c.page)) throw new Error(`two notebooks would both be written to ${path.join(dir, c.page)}`);
    names.add(c.page);
  }
  fs.mkdirSync(dir, { recursive: true });
  const written: Written[] = [];
  const assets: AssetRefs = writeAssets(dir, indexScript(chapters.flatMap((c) => c.search)));
  for (const f of fs.readdirSync(path.join(dir, 'assets'), { recursive: true, withFileTypes: true })) {
    if (f.isFile()) {
      const p = path.join(f.parentPath, f.name);
      written.push({ file: p, bytes: fs.statSync(p).size });
    }
  }
  const index = indexBody(chapters);
  write(
    path.join(dir, 'index.html'),
    renderPage({
      title: 'kdlab · 知识蒸馏 — the tutorial',
      chapters,
      current: null,
      body: index.body,
      assets,
      site: true,
      plotly: index.figures > 0,
      page: 'index.html',
    }),
    written,
    index.figures,
  );
  for (const { chapter: c, source } of loaded) {
    write(
      path.join(dir, c.page),
      renderPage({
        title: `${c.title} — kdlab`,
        chapters,
        current: c,
        body: chapterBody(c, chapters, source, true),
        assets,
        site: true,
        plotly: c.figures > 0,
        page: c.page,
      }),
      written,
      c.figures,
    );
    write(path.join(dir, 'notebooks', path.basename(source)), fs.readFileSync(source), written);
  }
  const live = loaded.find((l) => l.live?.ok);
  if (live?.live?.ok) {
    for (const f of writeLiveAssets(dir, live.live)) written.push({ file: f, bytes: fs.statSync(f).size });
    write(
      path.join(dir, LIVE_PAGE),
      renderPage({
        title: `Draw a digit — ${live.chapter.title} — kdlab`,
        chapters,
        current: null,
        body: livePageBody(live.live, live.chapter.page, live.chapter.title),
        assets,
        site: true,
        plotly: false,
        page: LIVE_PAGE,
      }),
      written,
    );
  }
  return written;
}

/** --single: DIR/<chapter>.html, each self-contained (styles, fonts, scripts and plotly.js inlined). */
export function exportSingle(inputs: ExportInput[], dir: string): Written[] {
  const written: Written[] = [];
  const assets = inlineAssets();
  for (const { chapter: c, source } of load(inputs, false)) {
    const body = chapterBody(c, [c], source, false);
    write(
      path.join(dir, c.page),
      renderPage({
        title: c.title,
        chapters: [c],
        current: c,
        body,
        assets,
        site: false,
        plotly: c.figures > 0,
        page: c.page,
      }),
      written,
      c.figures,
    );
  }
  return written;
}
