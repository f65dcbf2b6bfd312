/**
 * kd.data — datasets as flat typed arrays and the operations chapters need:
 * the bundled real MNIST digits, IDX files (MNIST / Fashion-MNIST), an optional checked download,
 * a synthetic cross-modal pairing, seeded batching with jitter, splits and class removal.
 */
export {
  Dataset,
  View,
  sampleSize,
  validate,
  subset,
  split,
  withoutClasses,
  withNoisyLabels,
  splitByClass,
  classCounts,
} from './dataset';
export { mnist, mnistAll, MnistOptions, MNIST_SIZE } from './mnist';
export {
  loadIdx,
  idxDataset,
  idxFiles,
  fashionMnist,
  fashionMnistTrain,
  fashionMnistDir,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DEBIAN_DIR,
} from './idx';
export { download, DownloadOptions, sha256Of } from './download';
export { crossModal, CrossModalOptions, CrossModalView } from './crossmodal';
export { batches, Batch, BatchOptions, numBatches, jitter, shiftImage, oneHot } from './batches';
export type { Rng } from '../common/random';
