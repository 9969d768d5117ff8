// Suite "reliability", part 2: the NaN guard (numerics.nonfinite, TerminateOnNaN), checkpoints
// that survive SIGKILL mid-save, and the fuzz corpus and regressions replayed as tests.
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

#include "data/hdf5_guard.hpp"
#include "tests/test_reliability_util.hpp"

using namespace tenet;
namespace fs = std::filesystem;
using tenet::testing::capture;

namespace {

struct TempDir {
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("tenet_reliability_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  fs::path path;
};

std::vector<unsigned char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& p, const std::vector<unsigned char>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// (8, 3) inputs with a NaN in sample `nan_row` (or none when -1), and sparse labels.
Tensor mlp_x(std::int64_t nan_row) {
  Tensor x = Tensor::uniform({8, 3}, 11, -1.0, 1.0);
  if (nan_row >= 0) x.data<float>()[nan_row * 3 + 1] = std::nanf("");
  return x;
}
Tensor mlp_y() { return Tensor::from_vector(std::vector<std::int32_t>{0, 1, 1, 0, 1, 0, 0, 1}); }

// The fuzz model of tests/fuzz/fuzz_weights.cpp, whose checkpoints are the weights seeds.
Model fuzz_model() {
  auto x = Input({4});
  auto h = Dense(3, {.activation = Activation::relu, .seed = 1})(x);
  h = BatchNorm()(h);
  Model m(x, Dense(2, {.seed = 2})(h), "fuzz");
  m.compile({.optimizer = Adam(), .loss = MeanSquaredError()});
  return m;
}

// Whether `f` ends with one of the outcomes the loaders promise for bad bytes.
template <class F>
std::string outcome(F&& f) {
  try {
    f();
    return "ok";
  } catch (const ContractError& e) {
    return e.code();
  } catch (const IOError&) {
    return "io";
  } catch (const std::exception& e) {
    return std::string("unexpected: ") + e.what();
  }
}

}  // namespace

TEST_SUITE("reliability") {

// ---------------------------------------------------------------- NaN guard

TEST_CASE("numerics: check_numerics names the input and sample holding NaN, the step and counts") {
  clear_session();
  Model m = reliability::small_model(false, 1);
  // Sample 5 would be in the third batch; the arrays are checked whole before the first step.
  auto e = capture([&] {
    m.fit(mlp_x(5), mlp_y(), {.epochs = 1, .batch_size = 2, .shuffle = false, .verbose = 0,
                              .check_numerics = true});
  });
  CHECK(e.code() == "numerics.nonfinite");
  CHECK(e.phase() == Phase::run);
  const std::string what = e.what();
  INFO(what);
  CHECK(what.find("holds non-finite values at the start of fit") != std::string::npos);
  // The data is named before any layer sees it: the Input, not the first Dense.
  CHECK(e.site().name == m.inputs()[0].name());
  CHECK(what.find("input 0 ('" + m.inputs()[0].name() + "') holds non-finite values") !=
        std::string::npos);
  CHECK(e.expected() == "finite values");
  CHECK(e.actual().find("1 NaN and 0 Inf among 24 values of (8, 3)") != std::string::npos);
  CHECK(e.actual().find("first at flat index 16") != std::string::npos);
  CHECK(e.cause().find("the first is in sample 5.") != std::string::npos);
  CHECK(m.optimizer().impl()->iterations() == 0);  // nothing trained
  CHECK(e.fix().find("clean the data") != std::string::npos);
  // Checking belonged to that fit call: it is off again.
  CHECK_FALSE(check_numerics());
}

TEST_CASE("numerics: a non-finite gradient is caught in the backward pass at its first op") {
  NumericsScope checking;
  Tensor x = Tensor::from_vector(std::vector<float>{4.0f, 0.0f, 1.0f}).requires_grad(true);
  Tensor y = sqrt(x);  // the forward pass is finite: 2, 0, 1
  CHECK(y.to_vector<float>() == std::vector<float>{2.0f, 0.0f, 1.0f});
  // d sqrt(x) / dx = dout / (2 sqrt(x)): the backward closure's division gives Inf at x = 0.
  auto e = capture([&] { y.sum().backward(); });
  CHECK(e.code() == "numerics.nonfinite");
  CHECK(e.site().name == "divide");
  const std::string what = e.what();
  INFO(what);
  CHECK(what.find("at training step") == std::string::npos);  // outside fit: no step named
  CHECK(e.actual().find("0 NaN and 1 Inf among 3 values of (3,)") != std::string::npos);
  CHECK(e.actual().find("first at flat index 1") != std::string::npos);
  CHECK_FALSE(x.grad().defined());  // the gradient never reached x
}

TEST_CASE("numerics: TerminateOnNaN stops at the first NaN loss and keeps the last good weights") {
  // Reference: the same model trained on the two good batches only.
  Model good = reliability::small_model(false, 1);
  good.fit(slice(mlp_x(-1), 0, 0, 4), slice(mlp_y(), 0, 0, 4),
           {.epochs = 1, .batch_size = 2, .shuffle = false, .verbose = 0});
  Model m = reliability::small_model(false, 1);
  History h = m.fit(mlp_x(5), mlp_y(), {.epochs = 3, .batch_size = 2, .shuffle = false,
                                        .verbose = 0, .callbacks = {TerminateOnNaN()}});
  CHECK(h.epoch.size() == 1);  // epochs 2 and 3 never ran
  CHECK(h.stop_reason.find("TerminateOnNaN") != std::string::npos);
  CHECK(h.stop_reason.find("batch 2") != std::string::npos);
  CHECK(m.stop_training);
  auto w = m.weights(), g = good.weights();
  REQUIRE(w.size() == g.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    CHECK(array_equal(w[i], g[i]));  // bitwise: the NaN step changed nothing
    for (float v : w[i].to_vector<float>()) CHECK(std::isfinite(v));
  }
  // The model still predicts finite values on clean data.
  for (float v : m.predict(mlp_x(-1)).to_vector<float>()) CHECK(std::isfinite(v));
}

// ---------------------------------------------------------------- crash-safe checkpoints

// A child process saves weights to one path in a loop (all weights = the iteration number);
// the parent SIGKILLs it at random moments and loads the file after each kill. It must always
// find a complete checkpoint of one of the versions written.
TEST_CASE("checkpoint: a save killed by SIGKILL at any moment leaves a complete checkpoint") {
  TempDir dir;
  const std::string path = dir.file("loop.weights.h5");
  Model m = reliability::small_model(false, 2);
  std::mt19937 rng(4242);
  double last_seen = 0;
  for (int round = 0; round < 20; ++round) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // the child: save forever; never returns into the test runner
      ::close(ready[0]);
      try {
        for (std::int64_t i = 1;; ++i) {
          const double v = round * 100000.0 + static_cast<double>(i);
          std::vector<Tensor> ws;
          for (const auto& w : m.weights()) ws.push_back(Tensor::full(w.shape(), v));
          for (const auto& l : m.layers()) {
            const std::size_t k = l.weights().size();
            if (k == 0) continue;
            l.set_weights(std::vector<Tensor>(ws.begin(), ws.begin() + static_cast<long>(k)));
            ws.erase(ws.begin(), ws.begin() + static_cast<long>(k));
          }
          m.save_weights(path);
          if (i == 1 && ::write(ready[1], "1", 1) != 1) ::_exit(3);
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(ready[1]);
    pollfd p{ready[0], POLLIN, 0};
    const int polled = ::poll(&p, 1, 20000);  // the first complete save of this child
    char byte = 0;
    const bool first_saved = polled == 1 && ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
    if (first_saved) std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(2000, 40000)(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE_MESSAGE(first_saved, "the child did not finish its first save (exit status " << status << ")");
    CHECK(WIFSIGNALED(status));
    // The file must load completely, and every weight must hold one version's number.
    Model loaded = reliability::small_model(false, 2);
    CHECK_NOTHROW(loaded.load_weights(path));
    std::vector<double> values;
    for (const auto& w : loaded.weights())
      for (float v : w.to_vector<float>()) values.push_back(v);
    REQUIRE_FALSE(values.empty());
    const double v = values[0];
    for (double x : values) CHECK(x == v);
    CHECK(v >= round * 100000.0 + 1);  // this round's child saved at least once
    CHECK(v > last_seen);
    last_seen = v;
  }
  // A killed save may leave its temporary file; the checkpoint itself is never one of them.
  int temps = 0;
  for (const auto& e : fs::directory_iterator(dir.path))
    temps += e.path().filename().string().ends_with(".tmp");
  MESSAGE("temporary files left by killed saves: " << temps << " of 20 kills");
}

// ---------------------------------------------------------------- fuzz corpus and regressions

TEST_CASE("fuzz seeds load, and every truncation of them is refused with data.format") {
  const fs::path corpus = fs::path(TENET_SOURCE_DIR) / "tests/fuzz/corpus";
  TempDir dir;
  auto xy = data::load_h5((corpus / "fuzz_h5/xy.h5").string());
  CHECK(xy.at("x").shape() == Shape{2, 3});
  CHECK(xy.at("y").dtype() == DType::i64);
  CHECK(data::read_idx((corpus / "fuzz_idx/images.idx.gz").string()).shape() == Shape{2, 2, 2});
  Model m = fuzz_model();
  m.load_weights((corpus / "fuzz_weights/trained_weights.h5").string());
  for (const char* seed : {"fuzz_h5/xy.h5", "fuzz_weights/trained_weights.h5", "fuzz_idx/images.idx"}) {
    const auto bytes = read_bytes(corpus / seed);
    for (std::size_t cut : {std::size_t{0}, std::size_t{5}, bytes.size() / 3, bytes.size() / 2,
                            bytes.size() - 1}) {
      CAPTURE(seed);
      CAPTURE(cut);
      const fs::path p = dir.path / "cut.bin";
      write_bytes(p, std::vector<unsigned char>(bytes.begin(), bytes.begin() + static_cast<long>(cut)));
      std::string got;
      if (std::string(seed).starts_with("fuzz_h5")) got = outcome([&] { data::load_h5(p.string()); });
      else if (std::string(seed).starts_with("fuzz_idx")) got = outcome([&] { data::read_idx(p.string()); });
      else got = outcome([&] { m.load_weights(p.string()); });
      CHECK(got == "data.format");
    }
  }
}

TEST_CASE("fuzz regressions: every input that once crashed a loader is now explained") {
  const fs::path dir = fs::path(TENET_SOURCE_DIR) / "tests/fuzz/regressions";
  Model m = fuzz_model();
  int files = 0;
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      const std::string p = e.path().string();
      CAPTURE(name);  // fuzz_<target>-crash-<sha1>: the target it crashed
      std::string got;
      if (name.starts_with("fuzz_idx")) got = outcome([&] { data::read_idx(p); });
      else if (name.starts_with("fuzz_h5")) got = outcome([&] { data::load_h5(p); });
      else if (name.starts_with("fuzz_weights")) got = outcome([&] { m.load_weights(p); });
      else continue;
      ++files;
      CHECK((got == "ok" || got == "io" || got == "data.format" || got == "checkpoint.mismatch"));
    }
  MESSAGE(files << " fuzz regression inputs replayed");
}

// Files found by fuzzing on which Debian's HDF5 1.10.8 itself crashes or never returns: a
// corrupt local heap (H5Lvisit copies into a null buffer), a corrupt global heap (H5Aread
// loops), a page read past its buffer (SIGSEGV in H5F__accum_read under H5PB_read), a link
// name built from a corrupt object header (SIGSEGV in H5G_build_fullpath_refstr_str) and an
// unbounded recursion (stack overflow under H5WB_actual). tenet reads every HDF5 file in a
// forked child first (data/hdf5_guard.cpp), so each must come back as data.format, in this
// process and within the guard's time limit.
TEST_CASE("HDF5 files that crash or hang libhdf5 are refused with data.format") {
  const fs::path dir = fs::path(TENET_SOURCE_DIR) / "tests/fuzz/known_crashes";
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string(), p = e.path().string();
    CAPTURE(name);
    const auto t0 = std::chrono::steady_clock::now();
    std::string got = name.starts_with("fuzz_h5") ? outcome([&] { data::load_h5(p); })
                                                  : outcome([&] { fuzz_model().load_weights(p); });
    CHECK(got == "data.format");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(8));
  }
}

// A program that sets SIGCHLD to SIG_IGN has its children reaped unseen, so the guard cannot
// read the child's exit status: it must then go by whether the child finished its read.
TEST_CASE("the HDF5 guard still accepts good files and refuses crashing ones when SIGCHLD is ignored") {
  const fs::path src = TENET_SOURCE_DIR;
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGCHLD, &ignore, &old) == 0);
  Model m = fuzz_model();
  const std::string good = outcome([&] {
    m.load_weights((src / "tests/fuzz/corpus/fuzz_weights/fresh_weights.h5").string());
  });
  const std::string crash = outcome([&] {
    data::load_h5(
        (src / "tests/fuzz/known_crashes/fuzz_h5-crash-a0f7bd2aa3f034ead3ff037e53fc32a02d7f04b5")
            .string());
  });
  ::sigaction(SIGCHLD, &old, nullptr);
  CHECK(good == "ok");
  CHECK(crash == "data.format");
}

// The guard stops a looping read after its CPU-time budget (a 1 s base by default; scripts/fuzz.sh
// sets 25 ms; this test 100 ms; plus 20 ms per MiB of the most data the file can hold: this
// 26,240-byte file may inflate to 25 MiB, so 0.6 s in all) and says so.
TEST_CASE("the HDF5 guard stops a read on which libhdf5 loops after its CPU budget") {
  const fs::path p = fs::path(TENET_SOURCE_DIR) /
                     "tests/fuzz/known_crashes/fuzz_weights-timeout-63e2dc9d3c9fbaef39338c4f9e8a0f510904ee7c";
  Model m = fuzz_model();
  struct Budget {  // set for this test only, whatever it throws
    Budget() { REQUIRE(::setenv("TENET_HDF5_CPU_BUDGET_MS", "100", 1) == 0); }
    ~Budget() { ::unsetenv("TENET_HDF5_CPU_BUDGET_MS"); }
  } budget;
  const auto t0 = std::chrono::steady_clock::now();
  std::string code, msg;
  try {
    m.load_weights(p.string());
  } catch (const ContractError& e) {
    code = e.code(), msg = e.what();
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO(msg);
  CHECK(code == "data.format");
  CHECK(msg.find("reading it does not finish: the HDF5 library loops on this file") != std::string::npos);
  CHECK(msg.find("no result after 0.6 s of CPU time") != std::string::npos);
  CHECK(took < std::chrono::seconds(5));  // 0.6 s of CPU, however busy the machine
}

// ---------------------------------------------------------------- the reading process's result

// Every HDF5 read runs in a child process that sends its result back as bytes
// (data/hdf5_guard.hpp): arrays far larger than a pipe's buffer must arrive bit for bit.
TEST_CASE("HDF5: arrays larger than a pipe come back from the reading process bit for bit") {
  TempDir dir;
  Tensor big = Tensor::uniform({700, 1000}, 5, -3.0, 3.0).astype(DType::f64);  // 5.3 MiB
  Tensor labels = Tensor::empty({70001}, DType::i64);
  for (std::int64_t i = 0; i < labels.numel(); ++i) labels.data<std::int64_t>()[i] = i * 7919 - 3;
  Tensor pixels = Tensor::empty({3, 5, 7}, DType::u8);
  for (std::int64_t i = 0; i < pixels.numel(); ++i) pixels.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 37);
  data::save_h5(dir.file("big.h5"), {{"big", big}, {"g/labels", labels}, {"pixels", pixels},
                                     {"empty", Tensor::empty({0, 4})}});
  const auto got = data::load_h5(dir.file("big.h5"));
  REQUIRE(got.size() == 4);
  for (const auto& [name, want] : std::vector<std::pair<std::string, Tensor>>{
           {"big", big}, {"g/labels", labels}, {"pixels", pixels}, {"empty", Tensor::empty({0, 4})}}) {
    CAPTURE(name);
    const Tensor& t = got.at(name);
    REQUIRE(t.shape() == want.shape());
    REQUIRE(t.dtype() == want.dtype());
    CHECK(std::memcmp(t.raw_data(), want.raw_data(), want.nbytes()) == 0);
  }
  const auto only = data::load_h5(dir.file("big.h5"), {"pixels"});
  CHECK(only.size() == 1);
  CHECK(only.at("pixels").shape() == Shape{3, 5, 7});
}

// What the child raises comes back whole: the same error, field for field, as the one the
// reader raises when it runs in this process (TENET_HDF5_IN_PROCESS=1).
TEST_CASE("HDF5: an error raised while reading comes back from the reading process whole") {
  TempDir dir;
  data::save_h5(dir.file("xy.h5"), {{"x", Tensor::zeros({2, 3})}});
  auto raise = [&](bool in_process) -> ContractInfo {
    if (in_process) REQUIRE(::setenv("TENET_HDF5_IN_PROCESS", "1", 1) == 0);
    struct Restore {
      ~Restore() { ::unsetenv("TENET_HDF5_IN_PROCESS"); }
    } restore;
    try {
      data::load_h5(dir.file("xy.h5"), {"y"});
    } catch (const ContractError& e) {
      return e.info();
    }
    FAIL("no error");
    return {};
  };
  const ContractInfo here = raise(true), child = raise(false);
  CHECK(child.code == "data.format");
  CHECK(child.phase == Phase::load);
  CHECK(child.where.name == dir.file("xy.h5"));
  CHECK(child.where.type == "HDF5 file");
  CHECK(child.expected == "a dataset 'y'");
  CHECK(child.actual == "the file holds: x");
  CHECK(child.fix == "load one of: x");
  CHECK(render(child) == render(here));
  CHECK(child.where.file == here.where.file);
  CHECK(child.where.line == here.where.line);
  CHECK(child.marked == here.marked);
  CHECK(child.provenance == here.provenance);
  CHECK_THROWS_AS(data::load_h5(dir.file("missing.h5")), IOError);
}

// The parent checks what the child sent before using it (a child whose memory libhdf5
// corrupted could send anything): bytes that do not parse refuse the file.
TEST_CASE("HDF5: a malformed result from the reading process refuses the file") {
  using data::detail::WireIn;
  using data::detail::WireOut;
  WireOut out;
  out.u64(2);
  out.str("name");
  out.tensor(Tensor::uniform({4, 5}, 1));
  out.tensors({Tensor::empty({3}, DType::i32), Tensor::zeros(Shape(), DType::i64)});
  out.f64(0.25);
  out.strs({"a", "", "ccc"});
  {
    WireIn in(out.bytes, "f.h5", "HDF5 data set");
    CHECK(in.u64() == 2);
    CHECK(in.str() == "name");
    const Tensor t = in.tensor();
    CHECK(t.shape() == Shape{4, 5});
    CHECK(t.data<float>()[19] == Tensor::uniform({4, 5}, 1).data<float>()[19]);
    const auto ts = in.tensors();
    REQUIRE(ts.size() == 2);
    CHECK(ts[0].dtype() == DType::i32);
    CHECK(ts[1].rank() == 0);
    CHECK(in.f64() == 0.25);
    CHECK(in.strs() == std::vector<std::string>{"a", "", "ccc"});
  }
  auto refused = [](std::string bytes, auto&& read) {
    WireIn in(std::move(bytes), "f.h5", "HDF5 data set");
    try {
      read(in);
    } catch (const ContractError& e) {
      CHECK(std::string(e.what()).find("sent back a malformed result") != std::string::npos);
      return e.code();
    }
    return std::string("accepted");
  };
  // Cut short at every byte: never read past the end.
  for (std::size_t cut = 0; cut < out.bytes.size(); ++cut) {
    CAPTURE(cut);
    CHECK(refused(out.bytes.substr(0, cut), [](WireIn& in) {
            in.u64(), in.str(), in.tensor(), in.tensors(), in.f64(), in.strs();
          }) == "data.format");
  }
  WireOut huge;  // a count or a shape far beyond the bytes sent: refused before allocating
  huge.u64(std::uint64_t{1} << 60);
  CHECK(refused(huge.bytes, [](WireIn& in) { in.strs(); }) == "data.format");
  CHECK(refused(huge.bytes, [](WireIn& in) { in.str(); }) == "data.format");
  WireOut shape;
  shape.u64(0), shape.u64(2), shape.u64(1u << 31), shape.u64(1u << 31);
  CHECK(refused(shape.bytes, [](WireIn& in) { in.tensor(); }) == "data.format");
  WireOut dtype;
  dtype.u64(99), dtype.u64(0);
  CHECK(refused(dtype.bytes, [](WireIn& in) { in.tensor(); }) == "data.format");
  WireOut rank;  // tenet reads arrays of at most 8 axes
  rank.u64(0), rank.u64(9);
  CHECK(refused(rank.bytes, [](WireIn& in) { in.tensor(); }) == "data.format");
  WireOut zero;  // an empty axis must not switch off the check of the others
  zero.u64(0), zero.u64(2), zero.u64(0), zero.u64(std::uint64_t{1} << 63);
  CHECK(refused(zero.bytes, [](WireIn& in) { in.tensor(); }) == "data.format");
  WireOut empty;  // (0, 5) float32: a valid empty array, no data bytes
  empty.u64(0), empty.u64(2), empty.u64(0), empty.u64(5);
  CHECK(refused(empty.bytes, [](WireIn& in) {
          CHECK(in.tensor().shape() == Shape{0, 5});
          in.finish();
        }) == "accepted");
  WireOut extra;  // bytes left over after the last item
  extra.u64(1), extra.u64(2);
  CHECK(refused(extra.bytes, [](WireIn& in) { in.u64(), in.finish(); }) == "data.format");
}

}  // TEST_SUITE
