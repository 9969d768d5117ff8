// Suite "data", part: where HDF5 files are read (data/hdf5_guard.hpp). A large compressed data
// set within the reading budget; a fork only in a single-threaded program, the tenet-h5-reader
// helper while other threads run; the in-process switch (API and TENET_HDF5_ISOLATION) giving
// the same arrays and errors; the program's own HDF5 error printing left as it was.
#include <doctest/doctest.h>

#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>  // Debian keeps the serial HDF5 headers here
#else
#include <hdf5.h>
#endif

#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>

#include <tenet/tenet.hpp>
#include <tenet/data/hdf5_io.hpp>

#include "data/hdf5_guard.hpp"
#include "support/test_data_util.hpp"

using namespace tenet;
using namespace tenet::testing;
using data::detail::ReadPath;

namespace {

// Sets an environment variable for a scope.
struct Env {
  std::string name;
  Env(std::string n, const std::string& value) : name(std::move(n)) {
    REQUIRE(::setenv(name.c_str(), value.c_str(), 1) == 0);
  }
  ~Env() { ::unsetenv(name.c_str()); }
};

struct Isolated {
  explicit Isolated(data::Isolation mode) { data::set_hdf5_isolation(mode); }
  ~Isolated() { data::set_hdf5_isolation(data::Isolation::from_environment); }
};

// Threads that allocate (with malloc and through tenet's storage pool) until the scope ends.
class BusyThreads {
 public:
  explicit BusyThreads(int n) {
    for (int i = 0; i < n; ++i)
      threads_.emplace_back([this, i] {
        while (!stop_) {
          std::vector<std::unique_ptr<char[]>> blocks;
          for (int k = 0; k < 64; ++k) blocks.emplace_back(new char[1 + (k * 97 + i) % 4096]);
          Tensor t = Tensor::zeros({64 + i});
        }
      });
  }
  ~BusyThreads() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// "ok", or the error's code and whole message.
template <class F>
std::string outcome(F&& f) {
  try {
    f();
    return "ok";
  } catch (const ContractError& e) {
    return e.code() + "\n" + e.what();
  } catch (const IOError& e) {
    return std::string("IOError\n") + e.what();
  }
}

// float32 zeros (1 at the first element, 2 at the last), chunked and gzip-compressed.
void write_compressed(const std::string& path, hsize_t n) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  const hsize_t chunk = 1 << 20;
  REQUIRE(H5Pset_chunk(dcpl, 1, &chunk) >= 0);
  REQUIRE(H5Pset_deflate(dcpl, 1) >= 0);
  const hid_t set = H5Dcreate2(f, "x", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  std::vector<float> v(n, 0.0f);
  v.front() = 1, v.back() = 2;
  REQUIRE(H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
  H5Dclose(set), H5Pclose(dcpl), H5Sclose(space), H5Fclose(f);
}

Model small_model(std::uint64_t seed, int units = 3) {
  auto x = Input({4});
  auto h = Dense(units, {.activation = Activation::relu, .seed = seed})(x);
  Model m(x, Dense(2, {.seed = seed + 1})(h), "iso");
  m.compile({.optimizer = Adam(), .loss = MeanSquaredError()});
  return m;
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("HDF5: a large gzip-compressed data set loads within the reading budget") {
  // 128 MiB of float32 in a file of about 130 KB. The budget used to grow with the file's size
  // (base + 20 ms per MiB of file): with a 10 ms base this read was refused as "the HDF5
  // library loops on this file". It now grows with the most data the file can hold.
  TempDir dir;
  const std::string path = dir.file("zeros.h5");
  const hsize_t n = hsize_t{32} << 20;
  write_compressed(path, n);
  CHECK(std::filesystem::file_size(path) < (std::uintmax_t{1} << 20));
  Env budget("TENET_HDF5_CPU_BUDGET_MS", "10");
  std::map<std::string, Tensor> arrays;
  CHECK(outcome([&] { arrays = data::load_h5(path); }) == "ok");
  CHECK(data::detail::last_read_path() != ReadPath::in_process);
  REQUIRE(arrays.count("x") == 1);
  const Tensor& x = arrays.at("x");
  REQUIRE(x.numel() == static_cast<std::int64_t>(n));
  const float* p = x.data<float>();
  double sum = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) sum += p[i];
  CHECK(p[0] == 1.0f);
  CHECK(p[n - 1] == 2.0f);
  CHECK(sum == 3.0);
}

TEST_CASE("HDF5: a single-threaded program reads in a fork") {
  if (const char* file = std::getenv("TENET_TEST_SINGLE_THREAD")) {  // the fresh process
    if (data::detail::thread_count() != 1) std::_Exit(3);
    const auto arrays = data::load_h5(file);
    std::_Exit(data::detail::last_read_path() == ReadPath::forked && arrays.count("a") ? 0 : 4);
  }
  TempDir dir;
  const std::string path = dir.file("a.h5");
  data::save_h5(path, {{"a", Tensor::ones({3})}});
  const std::string cmd = "TENET_TEST_SINGLE_THREAD='" + path + "' /proc/" +
                          std::to_string(::getpid()) +
                          "/exe -tc='HDF5: a single-threaded program*' > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("HDF5: reads while other threads allocate go through the tenet-h5-reader helper") {
  TempDir dir;
  const std::string path = dir.file("set.h5");
  const Tensor x = Tensor::uniform({64, 5}, 7);
  const Tensor y = Tensor::uniform({64}, 8, 0.0, 9.99).astype(DType::i32);
  data::save_h5(path, {{"x", x}, {"y", y}});
  REQUIRE(!data::detail::helper_path().empty());
  BusyThreads busy(3);
  CHECK(data::detail::thread_count() >= 4);
  for (int i = 0; i < 50; ++i) {
    CAPTURE(i);
    const auto arrays = data::load_h5(path, {"x", "y"});
    REQUIRE(data::detail::last_read_path() == ReadPath::spawned);
    REQUIRE(arrays.size() == 2);
    CHECK(array_equal(arrays.at("x"), x));
    CHECK(array_equal(arrays.at("y"), y));
  }
  // A weights file too: the helper sends the file's contents and the plan is made here.
  Model saved = small_model(1);
  saved.fit(Tensor::uniform({8, 4}, 3), Tensor::uniform({8, 2}, 4), {.epochs = 1, .verbose = 0});
  const std::string weights = dir.file("m.weights.h5");
  saved.save_weights(weights);
  Model loaded = small_model(5);
  CHECK(loaded.load_weights(weights).empty());
  CHECK(data::detail::last_read_path() == ReadPath::spawned);
  CHECK(bitwise_equal(loaded.weights(), saved.weights()));
  Model other = small_model(5, 4);  // another shape: the same refusal as in-process
  // One line for both calls: the messages name the line of the failing call.
  auto refusal = [&] { return outcome([&] { other.load_weights(weights); }); };
  const std::string spawned = refusal();
  Isolated here(data::Isolation::in_process);
  CHECK(spawned.rfind("checkpoint.mismatch\n", 0) == 0);
  CHECK(refusal() == spawned);
}

TEST_CASE("HDF5: a read while another thread is inside libhdf5 does not wait for its lock") {
  // Debian's libhdf5 is built thread-safe: one global lock, held by a thread for the whole of
  // an HDF5 call, callbacks included. A fork taken then would inherit it held (the child waits
  // forever), and tenet used to call libhdf5 in the program before forking (it waited for the
  // other thread to leave). The helper is a fresh process and the program calls no HDF5.
  TempDir dir;
  const std::string path = dir.file("a.h5"), other = dir.file("other.h5");
  data::save_h5(path, {{"a", Tensor::ones({3})}});
  data::save_h5(other, {{"b", Tensor::ones({2})}});
  std::atomic<int> state{0};  // 1: the thread is inside HDF5; 2: let it go; 3: it gave up
  std::thread holder([&] {
    const hid_t f = H5Fopen(other.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    auto inside = [](hid_t, const char*, const H5L_info_t*, void* p) -> herr_t {
      auto& s = *static_cast<std::atomic<int>*>(p);
      s = 1;
      for (int i = 0; i < 30000 && s == 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (s == 1) s = 3;  // a safety valve for the old code, which waited for this thread
      return 0;
    };
    H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, nullptr, inside, &state);
    H5Fclose(f);
  });
  while (state == 0) std::this_thread::yield();
  const std::string got = outcome([&] { CHECK(data::load_h5(path).count("a") == 1); });
  const int held = state.exchange(2);
  holder.join();
  CHECK(got == "ok");
  CHECK(held == 1);  // the read finished while the other thread still held libhdf5's lock
  CHECK(data::detail::last_read_path() == ReadPath::spawned);
}

TEST_CASE("HDF5: files that crash or hang libhdf5 are refused through the helper too") {
  // The helper is a separate process like a fork: its crash or loop refuses the file.
  const std::filesystem::path dir =
      std::filesystem::path(TENET_SOURCE_DIR) / "tests/fuzz/known_crashes";
  Env budget("TENET_HDF5_CPU_BUDGET_MS", "100");
  Model m = small_model(1);
  BusyThreads busy(1);
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string(), p = e.path().string();
    CAPTURE(name);
    const std::string got = name.starts_with("fuzz_h5") ? outcome([&] { data::load_h5(p); })
                                                        : outcome([&] { m.load_weights(p); });
    CHECK(got.rfind("data.format\n", 0) == 0);
    CHECK(data::detail::last_read_path() == ReadPath::spawned);
  }
}

TEST_CASE("HDF5: in-process reads give the same arrays and the same errors as a reading process") {
  TempDir dir;
  const std::string good = dir.file("good.h5"), cut = dir.file("cut.h5"), text = dir.file("text.h5");
  const Tensor a = Tensor::uniform({3, 4}, 1), b = Tensor::uniform({5}, 2).astype(DType::i64);
  data::save_h5(good, {{"a", a}, {"g/b", b}});
  auto bytes = read_bytes(good);
  bytes.resize(bytes.size() / 2);
  write_bytes(cut, bytes);
  write_bytes(text, {'n', 'o', 't', ' ', 'h', 'd', 'f', '5'});
  Model m = small_model(1);
  const std::vector<std::string> files{cut, text, good};
  auto read_all = [&] {
    std::vector<std::string> out;
    for (const auto& f : files) {
      out.push_back(outcome([&] { data::load_h5(f); }));
      out.push_back(outcome([&] { m.load_weights(f); }));
    }
    const auto arrays = data::load_h5(good);
    CHECK(array_equal(arrays.at("a"), a));
    CHECK(array_equal(arrays.at("g/b"), b));
    return out;
  };
  const auto isolated = read_all();
  const ReadPath isolated_path = data::detail::last_read_path();
  CAPTURE(static_cast<int>(isolated_path));
  CHECK(isolated_path != ReadPath::in_process);
  CHECK(isolated[0].rfind("data.format\n", 0) == 0);
  CHECK(isolated[0].find("cut.h5") != std::string::npos);
  CHECK(isolated[3].rfind("data.format\n", 0) == 0);
  std::vector<std::string> spawned;
  {
    BusyThreads busy(1);
    spawned = read_all();
    CHECK(data::detail::last_read_path() == ReadPath::spawned);
  }
  std::vector<std::string> in_process;
  {
    Isolated here(data::Isolation::in_process);
    in_process = read_all();
    CHECK(data::detail::last_read_path() == ReadPath::in_process);
  }
  CHECK(in_process == isolated);
  CHECK(spawned == isolated);
  Env env("TENET_HDF5_ISOLATION", "in_process");
  CHECK(read_all() == isolated);
  CHECK(data::detail::last_read_path() == ReadPath::in_process);
}

TEST_CASE("HDF5: a bad TENET_HDF5_ISOLATION, TENET_HDF5_CPU_BUDGET_MS or TENET_H5_READER is refused with options.invalid") {
  TempDir dir;
  const std::string path = dir.file("a.h5");
  data::save_h5(path, {{"a", Tensor::ones({3})}});
  {
    Env env("TENET_HDF5_ISOLATION", "sideways");
    const ContractError e = capture_contract([&] { data::load_h5(path); });
    CHECK(e.code() == "options.invalid");
    CHECK(std::string(e.what()).find("TENET_HDF5_ISOLATION = 'sideways'") != std::string::npos);
    CHECK(e.expected() == "'in_process' or 'process'");
    Isolated here(data::Isolation::child_process);  // the API's choice wins over the variable
    CHECK(data::load_h5(path).count("a") == 1);
  }
  // A budget tenet cannot read was silently the default 1000 ms.
  for (const std::string bad : {"5s", "0", "-1", "99999999999", "1e3"}) {
    CAPTURE(bad);
    Env budget("TENET_HDF5_CPU_BUDGET_MS", bad.c_str());
    Isolated here(data::Isolation::child_process);
    const ContractError e = capture_contract([&] { data::load_h5(path); });
    CHECK(e.code() == "options.invalid");
    CHECK(e.expected() == "an integer number of milliseconds in [1, 10000000]");
    CHECK(std::string(e.what()).find("TENET_HDF5_CPU_BUDGET_MS = \"" + std::string(bad) + "\"") !=
          std::string::npos);
  }
  {
    Env budget("TENET_HDF5_CPU_BUDGET_MS", "5000");
    Isolated here(data::Isolation::child_process);
    CHECK(data::load_h5(path).count("a") == 1);
  }
  Env env("TENET_H5_READER", dir.file("no-such-reader"));
  BusyThreads busy(1);  // the helper is looked up only when other threads run
  const ContractError e = capture_contract([&] { data::load_h5(path); });
  CHECK(e.code() == "options.invalid");
  CHECK(std::string(e.what()).find("no-such-reader") != std::string::npos);
}

TEST_CASE("HDF5: reading leaves the program's HDF5 error printing as it was") {
  // tenet used to switch HDF5's automatic error printing off in the calling thread.
  TempDir dir;
  const std::string path = dir.file("text.h5");
  write_bytes(path, {'n', 'o', 't', ' ', 'h', 'd', 'f', '5'});
  for (const auto mode : {data::Isolation::child_process, data::Isolation::in_process}) {
    CAPTURE(static_cast<int>(mode));
    Isolated here(mode);
    REQUIRE(H5Eset_auto2(H5E_DEFAULT, reinterpret_cast<H5E_auto2_t>(H5Eprint2), stderr) >= 0);
    CHECK_THROWS_AS(data::load_h5(path), ContractError);
    H5E_auto2_t func = nullptr;
    void* client = nullptr;
    H5Eget_auto2(H5E_DEFAULT, &func, &client);
    CHECK((func == reinterpret_cast<H5E_auto2_t>(H5Eprint2)));
    CHECK((client == static_cast<void*>(stderr)));
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

}  // TEST_SUITE
