/** The display contract between rich values and the kernel's output channel (Jupyter messaging). */

/**
 * One Jupyter output: several representations keyed by MIME type; front ends pick the richest they can
 * render. JSON types (application/*+json) hold objects, text types strings, image/png base64 text.
 */
export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * Where bundles go. Implemented by the kernel (display_data / update_display_data / clear_output);
 * `id` is the Jupyter display_id used to update an output in place.
 */
export interface DisplaySink {
  display(b: MimeBundle, opts?: { id?: string }): void;
  update(b: MimeBundle, id: string): void;
  clear(wait?: boolean): void;
}
