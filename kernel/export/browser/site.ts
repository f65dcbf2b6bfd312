/**
 * The site's browser script (compiled by tsc, copied to assets/site.js by ../assets.ts; a plain script, no
 * modules, so it runs from file://). It draws every Plotly figure from the JSON beside it with the one shared
 * plotly.js, runs the offline search over window.KDLAB_SEARCH, and opens/closes the sidebar on narrow screens.
 */
(function () {
  interface PlotlyLike {
    newPlot(el: HTMLElement, data: unknown[], layout: unknown, config: unknown): Promise<unknown>;
  }
  interface SearchResult {
    id: string;
    page: string;
    anchor: string;
    chapter: string;
    title: string;
  }
  interface MiniSearchLike {
    search(q: string, opts: unknown): SearchResult[];
  }
  interface SearchData {
    options: Record<string, unknown>;
    query: Record<string, unknown>;
    tokenize: (s: string) => string[];
    index: string;
    snippets: Record<string, string>;
  }
  const w = window as unknown as {
    Plotly?: PlotlyLike;
    MiniSearch?: { loadJSON(json: string, opts: unknown): MiniSearchLike };
    KDLAB_SEARCH?: SearchData;
  };

  function drawFigures(): void {
    const figures = document.querySelectorAll<HTMLElement>('.plotly-figure');
    figures.forEach((el) => {
      const json = el.nextElementSibling;
      if (!json || !json.classList.contains('plotly-data')) return;
      if (!w.Plotly) {
        el.textContent = 'This figure needs plotly.js (assets/plotly.min.js), which did not load.';
        return;
      }
      const fig = JSON.parse(json.textContent ?? '{}') as { data: unknown[]; layout: unknown; config: object };
      const config = { responsive: true, displaylogo: false, ...fig.config };
      void w.Plotly.newPlot(el, fig.data, fig.layout, config).then(() => {
        el.dataset.drawn = 'true';
        el.style.minHeight = '';
      });
    });
  }

  function sidebarToggle(): void {
    const button = document.querySelector<HTMLButtonElement>('.topbar .menu');
    if (!button) return;
    button.addEventListener('click', () => {
      const open = document.body.classList.toggle('nav-open');
      button.setAttribute('aria-expanded', String(open));
    });
    document.querySelectorAll('#sidebar a').forEach((a) =>
      a.addEventListener('click', () => {
        document.body.classList.remove('nav-open');
        button.setAttribute('aria-expanded', 'false');
      }),
    );
  }

  function setupSearch(): void {
    const input = document.getElementById('search-input') as HTMLInputElement | null;
    const list = document.getElementById('search-results') as HTMLOListElement | null;
    const data = w.KDLAB_SEARCH;
    if (!input || !list || !data || !w.MiniSearch) return;
    const ms = w.MiniSearch.loadJSON(data.index, { ...data.options, tokenize: data.tokenize });
    const show = () => {
      const q = input.value.trim();
      list.textContent = '';
      if (!q) {
        list.hidden = true;
        return;
      }
      const results = ms.search(q, data.query).slice(0, 8);
      if (!results.length) {
        const li = document.createElement('li');
        li.className = 'none';
        li.textContent = `Nothing found for “${q}”.`;
        list.appendChild(li);
      }
      for (const r of results) {
        const li = document.createElement('li');
        const a = document.createElement('a');
        a.href = r.page + (r.anchor ? `#${r.anchor}` : '');
        const t = document.createElement('span');
        t.className = 'title';
        t.textContent = r.title;
        const c = document.createElement('span');
        c.className = 'chapter';
        c.textContent = r.chapter === r.title ? '' : r.chapter;
        const s = document.createElement('span');
        s.className = 'snippet';
        s.textContent = data.snippets[r.id] ?? '';
        a.append(t, c, s);
        li.appendChild(a);
        list.appendChild(li);
      }
      list.hidden = false;
    };
    input.addEventListener('input', show);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        input.value = '';
        show();
      } else if (e.key === 'Enter') {
        const first = list.querySelector('a');
        if (first) first.click();
      }
    });
  }

  /** Regions that scroll sideways (wide code, tables) are made focusable, so keyboard users can scroll them. */
  function focusableScrollers(): void {
    document.querySelectorAll<HTMLElement>('pre.code, .output-html, .output pre, .math-block').forEach((el) => {
      if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute('tabindex')) {
        el.tabIndex = 0;
        el.setAttribute('role', 'region');
        el.setAttribute('aria-label', 'scrollable content');
      }
    });
  }

  drawFigures();
  focusableScrollers();
  sidebarToggle();
  setupSearch();
})();
