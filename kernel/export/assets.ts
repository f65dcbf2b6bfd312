/**
 * The site's shared assets, written once under DIR/assets/ and linked by every page: plotly.js, KaTeX's CSS and
 * fonts, the highlighting theme (light, and dark under prefers-color-scheme), MiniSearch and the search index,
 * the site's CSS and script. `inlineAssets` gives the same as inline <style>/<script> for --single pages.
 * Source-map comments are dropped: a browser would request the missing .map files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PACKAGE_ROOT } from '../kernelspec/install';
import { libraryScript, plotlyLibrary } from '../display/plotly';
import type { AssetRefs } from './page';
import { MINISEARCH_DIR } from './search';

const KATEX_DIST = path.dirname(require.resolve('katex/dist/katex.min.css'));
const HLJS_STYLES = path.join(path.dirname(require.resolve('highlight.js/package.json')), 'styles');
const SITE_CSS = path.join(PACKAGE_ROOT, 'kernel', 'assets', 'site', 'site.css');
const SITE_JS = path.join(__dirname, 'browser', 'site.js');

const read = (f: string) => fs.readFileSync(f, 'utf8');
const noSourceMap = (js: string) => js.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');

/** KaTeX's CSS with each font's sources reduced to its woff2 (every browser that runs the site reads woff2). */
function katexCss(fontUrl: (file: string) => string): string {
  return read(path.join(KATEX_DIST, 'katex.min.css')).replace(
    /src:url\(fonts\/([^)]+\.woff2)\) format\("woff2"\)(,url\([^)]*\) format\("[a-z]+"\))*/g,
    (_m, file: string) => `src:url(${fontUrl(file)}) format("woff2")`,
  );
}

function highlightCss(): string {
  return (
    read(path.join(HLJS_STYLES, 'github.min.css')) +
    `\n@media (prefers-color-scheme: dark){${read(path.join(HLJS_STYLES, 'github-dark.min.css'))}}\n`
  );
}

function siteScript(): string {
  return noSourceMap(read(SITE_JS));
}

function minisearchScript(): string {
  return noSourceMap(read(path.join(MINISEARCH_DIR, 'dist', 'umd', 'index.js')));
}

/** Write DIR/assets (with `searchIndex`, the script from ./search) and return how pages link to them. */
export function writeAssets(dir: string, searchIndex: string): AssetRefs {
  const assets = path.join(dir, 'assets');
  const fonts = path.join(assets, 'katex', 'fonts');
  fs.mkdirSync(fonts, { recursive: true });
  for (const f of fs.readdirSync(path.join(KATEX_DIST, 'fonts')))
    if (f.endsWith('.woff2')) fs.copyFileSync(path.join(KATEX_DIST, 'fonts', f), path.join(fonts, f));
  fs.writeFileSync(
    path.join(assets, 'katex', 'katex.min.css'),
    katexCss((f) => `fonts/${f}`),
  );
  fs.writeFileSync(path.join(assets, 'highlight.css'), highlightCss());
  fs.writeFileSync(path.join(assets, 'site.css'), read(SITE_CSS));
  fs.writeFileSync(path.join(assets, 'site.js'), siteScript());
  fs.writeFileSync(path.join(assets, 'minisearch.js'), minisearchScript());
  fs.writeFileSync(path.join(assets, 'search-index.js'), searchIndex);
  fs.copyFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), path.join(assets, 'plotly.min.js'));
  return {
    styles: ['katex/katex.min.css', 'highlight.css', 'site.css']
      .map((f) => `<link rel="stylesheet" href="assets/${f}">`)
      .join('\n'),
    scripts: ({ plotly, search }) =>
      [...(search ? ['minisearch.js', 'search-index.js'] : []), ...(plotly ? ['plotly.min.js'] : []), 'site.js']
        .map((f) => `<script src="assets/${f}"></script>`)
        .join('\n'),
  };
}

/** Everything inline, fonts as data: URIs, for one self-contained file. */
export function inlineAssets(): AssetRefs {
  const font = (f: string) =>
    `data:font/woff2;base64,${fs.readFileSync(path.join(KATEX_DIST, 'fonts', f)).toString('base64')}`;
  const styles = [katexCss(font), highlightCss(), read(SITE_CSS)].map((css) => `<style>${css}</style>`).join('\n');
  return {
    styles,
    scripts: ({ plotly }) =>
      (plotly ? libraryScript(plotlyLibrary()) : '') +
      `<script>${siteScript().replace(/<\/script/gi, '<\\/script')}</script>`,
  };
}
