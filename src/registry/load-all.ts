/**
 * Imports every module that registers an entry, so all registries are full. Import this once
 * before checking a config or building a model; a new layer or dataset module is added here.
 */
import '../layers/dense.js';
import '../layers/conv2d.js';
import '../layers/maxpool.js';
import '../layers/flatten.js';
import '../layers/batchnorm.js';
import '../layers/dropout.js';
import '../layers/activation.js';
import '../data/mnist.js';
import '../data/cifar.js';
import '../train/schedules.js';
import '../train/optimizers.js';
