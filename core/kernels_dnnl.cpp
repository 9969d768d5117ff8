#include "core/kernels_dnnl.hpp"

#include <cstdlib>

namespace tenet::kernels {

dnnl::memory::desc f32_desc(const dnnl::memory::dims& dims, tag format) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, format);
}

dnnl::memory wrap(const dnnl::memory::desc& d, const Tensor& t) {
  if (d.get_size() != t.nbytes())
    internal_error("oneDNN memory of " + std::to_string(d.get_size()) + " bytes over a tensor " +
                   t.shape().str() + " of " + std::to_string(t.nbytes()) + " bytes");
  // oneDNN takes a non-const handle; tensors wrapped as read-only inputs are never written.
  return dnnl::memory(d, engine(), const_cast<void*>(t.raw_data()));
}

void reorder(const dnnl::memory& src, const dnnl::memory& dst) {
  dnnl::reorder(src, dst).execute(stream(), const_cast<dnnl::memory&>(src),
                                  const_cast<dnnl::memory&>(dst));
  stream().wait();
}

dnnl::memory as_layout(const dnnl::memory& user, const dnnl::memory::desc& want) {
  if (user.get_desc() == want) return user;
  dnnl::memory out(want, engine());
  reorder(user, out);
  return out;
}

dnnl::memory pooled(const dnnl::memory::desc& d, Tensor& holder) {
  holder = Tensor::empty({static_cast<std::int64_t>(d.get_size())}, DType::u8);  // bytes
  return dnnl::memory(d, engine(), holder.raw_data());
}

dnnl::memory as_layout(const dnnl::memory& user, const dnnl::memory::desc& want, Tensor& holder) {
  if (user.get_desc() == want) return user;
  dnnl::memory out = pooled(want, holder);
  reorder(user, out);
  return out;
}

dnnl::primitive_attr scratchpad_attr(const dnnl::post_ops& ops) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_post_ops(ops);
  return attr;
}

namespace {
// One growing 64-byte-aligned buffer per thread; primitives run synchronously, so a single
// buffer serves every primitive in turn.
struct Scratch {
  void* data = nullptr;
  std::size_t size = 0;
  ~Scratch() { std::free(data); }
  void* reserve(std::size_t n) {
    if (n <= size) return data;
    std::free(data);
    size = (n + 63) / 64 * 64;
    data = std::aligned_alloc(64, size);
    if (!data) internal_error("cannot allocate " + std::to_string(size) + " bytes of scratch");
    return data;
  }
};
thread_local Scratch g_scratch;
}  // namespace

void execute(const dnnl::primitive& p, const dnnl::primitive_desc_base& pd, Args args) {
  dnnl::memory::desc sd = pd.scratchpad_desc();
  if (sd.get_size() > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD,
                 dnnl::memory(sd, engine(), g_scratch.reserve(sd.get_size())));
  p.execute(stream(), args);
  stream().wait();
}

}  // namespace tenet::kernels
