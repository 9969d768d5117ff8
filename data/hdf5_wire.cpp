// The bytes the HDF5 guard's reading process sends back (data/hdf5_guard.hpp): WireOut writes
// them, WireIn reads them and refuses with data.format whatever does not parse. A result is the
// outcome (a number), then what the reader wrote or the error it raised (encode_read,
// raise_outcome). The forked child, the tenet-h5-reader helper and an in-process read all
// produce it the same way, so the caller sees the same arrays and the same errors.
#include <cstring>
#include <limits>
#include <new>

#include <tenet/core/base/error.hpp>
#include "data/format_error.hpp"
#include "data/hdf5_guard.hpp"

namespace tenet::data::detail {

void WireOut::u64(std::uint64_t v) { bytes.append(reinterpret_cast<const char*>(&v), sizeof v); }
void WireOut::f64(double v) { bytes.append(reinterpret_cast<const char*>(&v), sizeof v); }
void WireOut::str(const std::string& s) {
  u64(s.size());
  bytes += s;
}
void WireOut::strs(const std::vector<std::string>& v) {
  u64(v.size());
  for (const auto& s : v) str(s);
}
void WireOut::tensor(const Tensor& t) {
  u64(static_cast<std::uint64_t>(t.dtype()));
  u64(static_cast<std::uint64_t>(t.rank()));
  for (auto d : t.shape()) u64(static_cast<std::uint64_t>(d));
  bytes.append(static_cast<const char*>(t.raw_data()), t.nbytes());
}
void WireOut::tensors(const std::vector<Tensor>& v) {
  u64(v.size());
  for (const auto& t : v) tensor(t);
}

WireIn::WireIn(std::string bytes, std::string path, std::string kind)
    : bytes_(std::move(bytes)), path_(std::move(path)), kind_(std::move(kind)) {}

void WireIn::fail(const std::string& what) {
  format_error(path_, kind_,
               {"the process that read it sent back a malformed result",
                "a well-formed result from the reading process", what,
                "libhdf5 corrupted the reading process's memory without crashing it; tenet "
                "read the file in a separate process, so yours is unaffected",
                "re-create the file; check it with h5dump"});
}

const char* WireIn::take(std::size_t n) {
  if (n > bytes_.size() - pos_)
    fail(std::to_string(bytes_.size() - pos_) + " bytes left where " + std::to_string(n) +
         " were needed");
  const char* p = bytes_.data() + pos_;
  pos_ += n;
  return p;
}
std::uint64_t WireIn::u64() {
  std::uint64_t v;
  std::memcpy(&v, take(sizeof v), sizeof v);
  return v;
}
double WireIn::f64() {
  double v;
  std::memcpy(&v, take(sizeof v), sizeof v);
  return v;
}
std::uint64_t WireIn::count(std::size_t min_bytes_each) {
  const std::uint64_t n = u64();
  if (min_bytes_each > 0 && n > (bytes_.size() - pos_) / min_bytes_each)
    fail("a count of " + std::to_string(n) + " items that the result cannot hold");
  return n;
}
std::string WireIn::str() {
  const std::uint64_t n = count(1);
  return std::string(take(n), n);
}
std::vector<std::string> WireIn::strs() {
  std::vector<std::string> v(count(sizeof(std::uint64_t)));
  for (auto& s : v) s = str();
  return v;
}
Tensor WireIn::tensor() {
  const std::uint64_t code = u64(), rank = u64();
  if (code > static_cast<std::uint64_t>(DType::i64) || rank > 8)
    fail("an array of dtype code " + std::to_string(code) + " and rank " + std::to_string(rank));
  std::vector<std::int64_t> dims(rank);
  bool empty = false;
  for (auto& d : dims) {
    const std::uint64_t n = u64();
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail("an array dimension of " + std::to_string(n));
    d = static_cast<std::int64_t>(n);
    empty = empty || n == 0;
  }
  std::uint64_t bytes = empty ? 0 : dtype_size(static_cast<DType>(code));
  for (auto d : dims) {  // at most the bytes left, so no product overflows
    if (empty) break;
    if (bytes > (bytes_.size() - pos_) / static_cast<std::uint64_t>(d))
      fail("an array larger than the result");
    bytes *= static_cast<std::uint64_t>(d);
  }
  const char* src = take(bytes);
  Tensor t = Tensor::empty(Shape(std::move(dims)), static_cast<DType>(code));
  if (bytes > 0) std::memcpy(t.raw_data(), src, bytes);
  return t;
}
void WireIn::finish() {
  if (pos_ != bytes_.size()) fail(std::to_string(bytes_.size() - pos_) + " bytes left over");
}

std::vector<Tensor> WireIn::tensors() {
  std::vector<Tensor> v(count(2 * sizeof(std::uint64_t)));
  for (auto& t : v) t = tensor();
  return v;
}

// ------------------------------------------------------------------------- outcomes

namespace {
// What a result starts with: how the read ended.
enum Outcome : std::uint64_t { kResult, kContract, kIO, kNoMemory, kOther };
}  // namespace

void put_contract(WireOut& out, const ContractInfo& i) {
  for (const std::string* s : {&i.code, &i.where.name, &i.where.type, &i.where.file, &i.summary,
                               &i.expected, &i.actual, &i.cause, &i.fix})
    out.str(*s);
  out.u64(static_cast<std::uint64_t>(i.phase));
  out.u64(i.where.line);
  out.u64(i.marked.size());
  for (int m : i.marked) out.u64(static_cast<std::uint64_t>(m));
  out.strs(i.provenance);
}

ContractInfo get_contract(WireIn& in) {
  ContractInfo i;
  for (std::string* s : {&i.code, &i.where.name, &i.where.type, &i.where.file, &i.summary,
                         &i.expected, &i.actual, &i.cause, &i.fix})
    *s = in.str();
  i.phase = static_cast<Phase>(in.u64() % 3);
  i.where.line = static_cast<unsigned>(in.u64());
  i.marked.resize(in.u64() % 64);
  for (int& m : i.marked) m = static_cast<int>(in.u64());
  i.provenance = in.strs();
  return i;
}

std::string encode_read(const std::function<void(WireOut&)>& read) {
  WireOut out;
  try {
    out.u64(kResult);
    read(out);
  } catch (const ContractError& e) {
    out.bytes.clear();
    out.u64(kContract);
    put_contract(out, e.info());
  } catch (const IOError& e) {
    out.bytes.clear();
    out.u64(kIO);
    out.str(e.what());
  } catch (const std::bad_alloc&) {
    out.bytes.clear();
    out.u64(kNoMemory);
  } catch (const std::exception& e) {
    out.bytes.clear();
    out.u64(kOther);
    out.str(e.what());
  } catch (...) {
    out.bytes.clear();
    out.u64(kOther);
    out.str("tenet: the reader raised an exception that is not a std::exception");
  }
  return std::move(out.bytes);
}

void raise_outcome(WireIn& in) {
  switch (in.u64()) {
    case kResult:
      return;
    case kContract:
      throw ContractError(get_contract(in));
    case kIO:
      throw IOError(in.str());
    case kNoMemory:
      throw std::bad_alloc();
    case kOther:
      throw std::runtime_error(in.str());
    default:
      in.fail("an unknown outcome code");
  }
}

}  // namespace tenet::data::detail
