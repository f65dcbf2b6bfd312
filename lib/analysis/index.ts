/**
 * kd.analysis — looking into data and representations, and the classical methods deep learning is compared with:
 * PCA, hand-designed digit features (zoning, projection profiles, gradient-orientation histograms) with their
 * filters drawn as images, classical baselines (k-nearest neighbours, softmax regression) for chapter 1, and
 * linear CKA between layers of two networks for chapter 5; the instance-relationship graph of a batch for chapter 7.
 */
export { pca } from './pca';
export type { Pca, PcaOptions } from './pca';
export { zoning } from './zoning';
export type { ZoningOptions } from './zoning';
export { projectionProfiles } from './profiles';
export { orientationHistograms } from './orientation';
export type { OrientationHistogramOptions } from './orientation';
export { zoningMasks, orientationKernels, filtersAsImages } from './filters';
export { knn } from './knn';
export type { KnnClassifier, KnnOptions } from './knn';
export type { MatrixInput } from './input';
export { softmaxRegression } from './softmax-regression';
export type { SoftmaxRegression, SoftmaxRegressionOptions } from './softmax-regression';
export { cka, ckaMatrix } from './cka';
export { featureMapImages } from './feature-maps';
export type { FeatureMapImages, FeatureMapImagesOptions } from './feature-maps';
export { reinitializeLayer } from './reinitialize';
export type { Representation } from './cka';
export { instanceGraph } from './instance-graph';
export type { InstanceGraph, InstanceGraphEdge, InstanceGraphOptions } from './instance-graph';
export { procrustes } from './procrustes';
export type { ProcrustesResult } from './procrustes';
