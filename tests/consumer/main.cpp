// Uses tenet through its public header only; exits 0 when a tiny model predicts, the library it
// runs with is the version its headers name, and (with a file path as argument) an HDF5 file
// reads back while a second thread runs: tenet then reads through the tenet-h5-reader helper
// installed beside the library, which must start.
#include <cstring>
#include <future>
#include <iostream>
#include <thread>

#include <tenet/tenet.hpp>
using namespace tenet;

static bool round_trip(const std::string& path, const Tensor& values) {
  std::promise<void> done;
  std::thread second([ready = done.get_future()] { ready.wait(); });
  bool same = false;
  try {
    data::save_h5(path, {{"p", values}});
    same = array_equal(data::load_h5(path).at("p"), values);
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
  }
  done.set_value();
  second.join();
  return same;
}

int main(int argc, char** argv) {
  Sequential mlp({Input({4}), Dense(3, {.activation = Activation::relu}), Dense(2)});
  Tensor p = mlp.predict(Tensor::ones({5, 4}));
  if (std::strcmp(version(), TENET_VERSION_STRING) != 0) return 2;
  if (argc > 1 && !round_trip(argv[1], p)) return 3;
  return p.shape() == Shape{5, 2} ? 0 : 1;
}
