// Uses tenet through its public header only; exits 0 when a tiny model predicts.
#include <tenet/tenet.hpp>
using namespace tenet;

int main() {
  Sequential mlp({Input({4}), Dense(3, {.activation = Activation::relu}), Dense(2)});
  Tensor p = mlp.predict(Tensor::ones({5, 4}));
  return p.shape() == Shape{5, 2} ? 0 : 1;
}
