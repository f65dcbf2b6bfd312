/** kernel/display — how kdlab values become Jupyter outputs (see rich.ts for the value → MIME table). */
export type { MimeBundle, DisplaySink } from './types';
export { RichDisplay, PLOTLY_MIME, figureText } from './rich';
export type { RichDisplayOptions } from './rich';
export { progressBar, clock } from './progress';
export type { ProgressOptions } from './progress';
export { encodePng, crc32, PNG_SIGNATURE } from './png';
export { escapeHtml, htmlTable, textTable } from './html';
export { plotlyLibrary, libraryScript, figureMarkup, scriptJson } from './plotly';
export { tensorBundle, isTensor } from './tensor';
export { modelBundle, modelSummary, isModel } from './model';
