/**
 * kdlab — knowledge distillation on TensorFlow.js.
 * Each namespace is one concept; see README.md for the map.
 */
export * as backend from './backend';
export * as losses from './losses';
export { terms } from './losses/terms';
export * as features from './features';
export * as models from './models';
export * as data from './data';
export * as distill from './distill';
export * as callbacks from './callbacks';
export { Distiller } from './distill';
export * as compress from './compress';
export * as plot from './plot';
export * as experiment from './experiment';
export * as analysis from './analysis';
export { tf } from './tf';
export const version = (require('../../package.json') as { version: string }).version;
