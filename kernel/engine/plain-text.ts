/** The text/plain every value gets (execute results, display of values without a rich form, thrown non-Errors). */
import { inspect } from 'util';

/** `value` the way Node's REPL shows it, bounded so a huge array or deep object stays one readable output. */
export function plainText(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 50, breakLength: 100 });
}
