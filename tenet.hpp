#pragma once
// tenet: a small C++ deep-learning training framework whose shape, dtype and batch contracts
// are checked when a model is built and again when data flows. Include this header only.
#include "core/autograd.hpp"
#include "core/callbacks.hpp"
#include "core/checks.hpp"
#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/layer.hpp"
#include "core/loss.hpp"
#include "core/model.hpp"
#include "core/ops.hpp"
#include "core/optimizer.hpp"
#include "core/shape.hpp"
#include "core/symbolic.hpp"
#include "core/tensor.hpp"
#include "layers/dense.hpp"
