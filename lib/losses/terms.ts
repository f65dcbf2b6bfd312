/**
 * kd.terms — one typed constructor per built-in loss, each defined beside its loss in the family file:
 *   new kd.Distiller({ student, teacher, task: null, terms: [kd.terms.hinton({ temperature: 4, alpha: 0.9 })] })
 * A constructor's argument holds the loss's own options (typed, with the defaults in its doc) and the
 * Term fields (weight, name, studentLayer, teacherLayer, adapter, teacherIndex); a misspelt or mistyped
 * option is a TypeScript error at the call. It returns the Term a JSON config would spell
 * `{ loss: 'hinton', options: { temperature: 4, alpha: 0.9 } }`; that form keeps working.
 */
import { featureTerms } from './feature';
import { graphTerms } from './graph';
import { graphSmoothingTerms } from './graph-smoothing';
import { metricTerms } from './metric';
import { multiTeacherTerms } from './multiTeacher';
import { relationalTerms } from './relational';
import { responseTerms } from './response';

// Typed as the intersection (not left to inference) so the declaration file refers to each family's
// object, whose doc comments the kernel's inspect and the editor then show for kd.terms.<name>.
type Terms = typeof responseTerms &
  typeof featureTerms &
  typeof metricTerms &
  typeof relationalTerms &
  typeof multiTeacherTerms &
  typeof graphTerms &
  typeof graphSmoothingTerms;

export const terms: Terms = {
  ...responseTerms,
  ...featureTerms,
  ...metricTerms,
  ...relationalTerms,
  ...multiTeacherTerms,
  ...graphTerms,
  ...graphSmoothingTerms,
};
