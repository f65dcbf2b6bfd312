/** A path or argument written so a POSIX shell reads it back unchanged (for commands printed to the user). */
export function shellWord(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
