/**
 * kd.analysis — looking into representations: linear CKA between layers of two networks (chapter 5).
 */
export { cka, ckaMatrix } from './cka';
export type { Representation } from './cka';
