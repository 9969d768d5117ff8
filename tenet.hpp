#pragma once
// tenet: a small C++ deep-learning training framework whose shape, dtype and batch contracts
// are checked when a model is built and again when data flows. Include this header only.
#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/training/callbacks.hpp>
#include <tenet/core/training/distribution.hpp>
#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/base/dtype.hpp>
#include <tenet/core/base/error.hpp>
#include <tenet/core/graph/layer.hpp>
#include <tenet/core/graph/loss.hpp>
#include <tenet/core/training/model.hpp>
#include <tenet/core/ops/ops.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/core/training/optimizer.hpp>
#include <tenet/core/training/schedule.hpp>
#include <tenet/data/report.hpp>
#include <tenet/core/base/runtime.hpp>
#include <tenet/core/base/shape.hpp>
#include <tenet/core/graph/symbolic.hpp>
#include <tenet/core/tensor/tensor.hpp>
#include <tenet/version.hpp>

#include <tenet/layers/activation.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/dense.hpp>
#include <tenet/layers/dropout.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/global_pooling.hpp>
#include <tenet/layers/max_pool2d.hpp>
#include <tenet/layers/merge.hpp>
#include <tenet/layers/rescaling.hpp>
#include <tenet/layers/reshape.hpp>
#include <tenet/layers/resizing.hpp>
#include <tenet/layers/random_crop.hpp>
#include <tenet/layers/random_flip.hpp>
#include <tenet/layers/random_affine.hpp>

#include <tenet/losses/binary_crossentropy.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include <tenet/data/dataset.hpp>
#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/hdf5_io.hpp>
#include <tenet/data/idx.hpp>
#include <tenet/data/image_folder.hpp>
#include <tenet/data/keras.hpp>
#include <tenet/data/preprocess.hpp>
#include <tenet/data/weights.hpp>
