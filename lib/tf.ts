/** The one TensorFlow.js instance every part of kdlab (and the kernel's `tf` global) shares. */
import * as tf from '@tensorflow/tfjs';
export { tf };
