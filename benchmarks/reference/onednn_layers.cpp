// The reference layers, each as oneDNN 2.6 primitives created once: forward_training (and for
// batch norm a forward_inference twin), then the backward primitives with the forward pd as
// hint. Logical dims are oneDNN's (N, C, H, W); physical layouts are chosen by oneDNN through
// format_tag::any and adapted by a reorder only where producer and consumer disagree.
#include "reference/onednn_graph.hpp"

namespace tenet_bench::detail {

namespace {

using tag = memory::format_tag;
using dnnl::algorithm;
using dnnl::prop_kind;

memory::desc md(const memory::dims& d, tag t) {
  return memory::desc(d, memory::data_type::f32, t);
}

std::string dims_str(const memory::dims& d) {
  std::string s = "(";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + ")";
}


// Inner-product backward in the forward's layouts where oneDNN has an implementation (then x,
// dw and w need no reorder), else in the layouts it prefers.
dnnl::inner_product_backward_weights::primitive_desc ip_bwd_weights(
    const dnnl::inner_product_forward::primitive_desc& fpd, const memory::desc& src_any,
    const memory::desc& wei_any, const memory::desc& dst_any, const dnnl::primitive_attr& a,
    const dnnl::engine& eng) {
  auto make = [&](const memory::desc& sd, const memory::desc& wd) {
    dnnl::inner_product_backward_weights::desc d(sd, wd, fpd.bias_desc(), dst_any);
    return dnnl::inner_product_backward_weights::primitive_desc(d, a, eng, fpd);
  };
  try {
    return make(fpd.src_desc(), fpd.weights_desc());
  } catch (const dnnl::error&) {
    return make(src_any, wei_any);
  }
}

dnnl::inner_product_backward_data::primitive_desc ip_bwd_data(
    const dnnl::inner_product_forward::primitive_desc& fpd, const memory::desc& diff_src,
    const memory::desc& src_any, const memory::desc& wei_any, const memory::desc& dst_any,
    const dnnl::primitive_attr& a, const dnnl::engine& eng) {
  auto make = [&](const memory::desc& sd, const memory::desc& wd) {
    dnnl::inner_product_backward_data::desc d(sd, wd, dst_any);
    return dnnl::inner_product_backward_data::primitive_desc(d, a, eng, fpd);
  };
  try {
    return make(diff_src, fpd.weights_desc());
  } catch (const dnnl::error&) {
    return make(src_any, wei_any);
  }
}

// `make(algorithm)` with Winograd's algorithm when `winograd`, falling back to direct when
// oneDNN has no Winograd kernel for it.
template <class Make>
auto conv_pd(bool winograd, Make&& make) {
  if (winograd) {
    try {
      return make(algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
    }
  }
  return make(algorithm::convolution_direct);
}

}  // namespace

// y.diff <- y.diff * (y > 0), in place; y is the post-ReLU output (relu_use_dst_for_bwd).
void Graph::relu_backward(std::vector<Step>& g, const Act& y) {
  dnnl::eltwise_forward::desc fd(prop_kind::forward_training,
                                 algorithm::eltwise_relu_use_dst_for_bwd, y.value.get_desc(),
                                 0.0f, 0.0f);
  dnnl::eltwise_forward::primitive_desc fpd(fd, attr(false), eng_);
  dnnl::eltwise_backward::desc bd(algorithm::eltwise_relu_use_dst_for_bwd, y.diff.get_desc(),
                                  y.value.get_desc(), 0.0f, 0.0f);
  dnnl::eltwise_backward::primitive_desc bpd(bd, attr(false), eng_, fpd);
  add(g, bpd, dnnl::eltwise_backward(bpd),
      {{DNNL_ARG_DST, y.value}, {DNNL_ARG_DIFF_DST, y.diff}, {DNNL_ARG_DIFF_SRC, y.diff}},
      "relu bwd " + dims_str(y.value.get_desc().dims()));
}

Act Graph::conv3x3(const Act& x, std::int64_t oc, std::int64_t pad, bool relu) {
  memory::dims src = x.value.get_desc().dims();  // (N, C, H, W)
  std::int64_t ic = src[1];
  memory::dims wei{oc, ic, 3, 3}, bias{oc}, st{1, 1}, p{pad, pad};
  memory::dims dst{src[0], oc, src[2] + 2 * pad - 2, src[3] + 2 * pad - 2};
  begin_layer(std::string("conv") + (relu ? "+relu " : " ") + dims_str(dst));
  auto src_any = md(src, tag::any), wei_any = md(wei, tag::any), dst_any = md(dst, tag::any);
  auto bias_md = md(bias, tag::x);
  auto wino = [&](int pass) { return winograd_ && winograd_(pass, src, oc, pad); };
  auto fpd = conv_pd(wino(0), [&](algorithm alg) {
    dnnl::convolution_forward::desc fd(prop_kind::forward_training, alg, src_any, wei_any,
                                       bias_md, dst_any, st, p, p);
    return dnnl::convolution_forward::primitive_desc(fd, attr(relu), eng_);
  });
  // Kernel initialised in Keras's (kh, kw, in, out) order = oneDNN's hwio tag.
  Param w = make_param(fpd.weights_desc(), md(wei, tag::hwio),
                       glorot(9 * ic * oc, 9 * ic, 9 * oc));
  Param b = make_param(fpd.bias_desc(), bias_md, std::vector<float>(oc, 0.0f));
  Act y{alloc(fpd.dst_desc()), {}};
  memory s = adapt_fwd(x.value, fpd.src_desc());
  add_fwd(Mode::both, fpd, dnnl::convolution_forward(fpd),
          {{DNNL_ARG_SRC, s}, {DNNL_ARG_WEIGHTS, w.w}, {DNNL_ARG_BIAS, b.w},
           {DNNL_ARG_DST, y.value}},
          std::string("conv") + (relu ? "+relu" : "") + " fwd " + dims_str(dst));

  std::vector<Step> g, post;
  auto bwpd = conv_pd(wino(2), [&](algorithm alg) {
    dnnl::convolution_backward_weights::desc bwd(alg, src_any, wei_any, bias_md, dst_any, st, p,
                                                 p);
    return dnnl::convolution_backward_weights::primitive_desc(bwd, attr(false), eng_, fpd);
  });
  y.diff = alloc(bwpd.diff_dst_desc());
  if (relu) relu_backward(g, y);
  // The forward's copy of x in the convolution's layout still holds this step's input.
  memory bs = bwpd.src_desc() == s.get_desc() ? s : adapt(g, x.value, bwpd.src_desc());
  memory dw = sink(post, w.dw, bwpd.diff_weights_desc());
  memory db = sink(post, b.dw, bwpd.diff_bias_desc());
  add(g, bwpd, dnnl::convolution_backward_weights(bwpd),
      {{DNNL_ARG_SRC, bs}, {DNNL_ARG_DIFF_DST, y.diff}, {DNNL_ARG_DIFF_WEIGHTS, dw},
       {DNNL_ARG_DIFF_BIAS, db}},
      "conv bwd weights " + dims_str(wei));
  g.insert(g.end(), post.begin(), post.end());
  post.clear();
  if (x.diff) {  // no backward-data for a convolution on a network input
    auto bdpd = conv_pd(wino(1), [&](algorithm alg) {
      dnnl::convolution_backward_data::desc bdd(alg, src_any, wei_any, dst_any, st, p, p);
      return dnnl::convolution_backward_data::primitive_desc(bdd, attr(false), eng_, fpd);
    });
    memory wb = adapt(g, w.w, bdpd.weights_desc());
    memory dd = adapt(g, y.diff, bdpd.diff_dst_desc());
    memory dx = sink(post, x.diff, bdpd.diff_src_desc());
    add(g, bdpd, dnnl::convolution_backward_data(bdpd),
        {{DNNL_ARG_WEIGHTS, wb}, {DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_DIFF_SRC, dx}},
        "conv bwd data " + dims_str(src));
    g.insert(g.end(), post.begin(), post.end());
  }
  bwd_groups_.push_back(std::move(g));
  return y;
}

Act Graph::batchnorm_relu(const Act& x, float epsilon) {
  memory::desc d = x.value.get_desc();  // (N, C, H, W) in the convolution's layout
  std::int64_t c = d.dims()[1];
  begin_layer("batchnorm+relu " + dims_str(d.dims()));
  auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift |
               dnnl::normalization_flags::fuse_norm_relu;
  dnnl::batch_normalization_forward::desc fd(prop_kind::forward_training, d, epsilon, flags);
  dnnl::batch_normalization_forward::primitive_desc fpd(fd, attr(false), eng_);
  auto cmd = md({c}, tag::x);  // (C)
  Param scale = make_param(cmd, cmd, std::vector<float>(c, 1.0f));  // gamma
  Param shift = make_param(cmd, cmd, std::vector<float>(c, 0.0f));  // beta
  BnStats st{alloc(fpd.mean_desc()), alloc(fpd.variance_desc()), alloc(fpd.mean_desc()),
             alloc(fpd.variance_desc())};
  std::fill_n(static_cast<float*>(st.moving_var.get_data_handle()), c, 1.0f);
  bn_.push_back(st);
  Act y{alloc(fpd.dst_desc()), {}};
  memory ws = alloc(fpd.workspace_desc());  // ReLU mask of the fused norm+relu
  add_fwd(Mode::train, fpd, dnnl::batch_normalization_forward(fpd),
          {{DNNL_ARG_SRC, x.value}, {DNNL_ARG_SCALE, scale.w}, {DNNL_ARG_SHIFT, shift.w},
           {DNNL_ARG_MEAN, st.mean}, {DNNL_ARG_VARIANCE, st.var}, {DNNL_ARG_DST, y.value},
           {DNNL_ARG_WORKSPACE, ws}},
          "batchnorm+relu fwd " + dims_str(d.dims()));
  dnnl::batch_normalization_forward::desc id(prop_kind::forward_inference, d, epsilon,
                                             flags | dnnl::normalization_flags::use_global_stats);
  dnnl::batch_normalization_forward::primitive_desc ipd(id, attr(false), eng_);
  add_fwd(Mode::infer, ipd, dnnl::batch_normalization_forward(ipd),
          {{DNNL_ARG_SRC, x.value}, {DNNL_ARG_SCALE, scale.w}, {DNNL_ARG_SHIFT, shift.w},
           {DNNL_ARG_MEAN, st.moving_mean}, {DNNL_ARG_VARIANCE, st.moving_var},
           {DNNL_ARG_DST, y.value}},
          "batchnorm+relu inference " + dims_str(d.dims()));

  dnnl::batch_normalization_backward::desc bd(prop_kind::backward, d, d, epsilon, flags);
  dnnl::batch_normalization_backward::primitive_desc bpd(bd, attr(false), eng_, fpd);
  y.diff = alloc(bpd.diff_dst_desc());
  std::vector<Step> g, post;
  memory dx = x.diff ? sink(post, x.diff, bpd.diff_src_desc()) : alloc(bpd.diff_src_desc());
  // The shift is not read by the backward math, but oneDNN 2.6 fails with "could not
  // execute a primitive" unless DNNL_ARG_SHIFT is passed.
  add(g, bpd, dnnl::batch_normalization_backward(bpd),
      {{DNNL_ARG_SRC, x.value}, {DNNL_ARG_MEAN, st.mean}, {DNNL_ARG_VARIANCE, st.var},
       {DNNL_ARG_SCALE, scale.w}, {DNNL_ARG_SHIFT, shift.w}, {DNNL_ARG_WORKSPACE, ws},
       {DNNL_ARG_DIFF_DST, y.diff}, {DNNL_ARG_DIFF_SRC, dx},
       {DNNL_ARG_DIFF_SCALE, scale.dw}, {DNNL_ARG_DIFF_SHIFT, shift.dw}},
      "batchnorm+relu bwd " + dims_str(d.dims()));
  g.insert(g.end(), post.begin(), post.end());
  bwd_groups_.push_back(std::move(g));
  return y;
}

// MaxPooling2D 2x2 stride 2, 'valid' (floor: an odd last row/column is dropped, as Keras).
Act Graph::maxpool2x2(const Act& x) {
  memory::desc d = x.value.get_desc();
  memory::dims src = d.dims();
  memory::dims dst{src[0], src[1], src[2] / 2, src[3] / 2}, k{2, 2}, p0{0, 0};
  begin_layer("maxpool " + dims_str(dst));
  dnnl::pooling_forward::desc fd(prop_kind::forward_training, algorithm::pooling_max, d,
                                 md(dst, tag::any), k, k, p0, p0);
  dnnl::pooling_forward::primitive_desc fpd(fd, attr(false), eng_);
  Act y{alloc(fpd.dst_desc()), {}};
  memory ws = alloc(fpd.workspace_desc());  // argmax indices for the backward pass
  add_fwd(Mode::both, fpd, dnnl::pooling_forward(fpd),
          {{DNNL_ARG_SRC, x.value}, {DNNL_ARG_DST, y.value}, {DNNL_ARG_WORKSPACE, ws}},
          "maxpool fwd " + dims_str(dst));
  std::vector<Step> g, post;
  if (x.diff) {
    dnnl::pooling_backward::desc bd(algorithm::pooling_max, x.diff.get_desc(),
                                    md(dst, tag::any), k, k, p0, p0);
    dnnl::pooling_backward::primitive_desc bpd(bd, attr(false), eng_, fpd);
    y.diff = alloc(bpd.diff_dst_desc());
    memory dx = sink(post, x.diff, bpd.diff_src_desc());
    add(g, bpd, dnnl::pooling_backward(bpd),
        {{DNNL_ARG_DIFF_DST, y.diff}, {DNNL_ARG_DIFF_SRC, dx}, {DNNL_ARG_WORKSPACE, ws}},
        "maxpool bwd " + dims_str(src));
    g.insert(g.end(), post.begin(), post.end());
  }
  bwd_groups_.push_back(std::move(g));
  return y;
}

// Concatenate on channels; its backward copies each channel slice of the gradient back.
Act Graph::concat_channels(const std::vector<Act>& xs) {
  std::vector<memory::desc> srcs;
  for (const auto& x : xs) srcs.push_back(x.value.get_desc());
  dnnl::concat::primitive_desc cpd(1, srcs, eng_, attr(false));
  begin_layer("concat " + dims_str(cpd.dst_desc().dims()));
  Act y{alloc(cpd.dst_desc()), {}};
  std::unordered_map<int, memory> args{{DNNL_ARG_DST, y.value}};
  for (std::size_t i = 0; i < xs.size(); ++i)
    args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = xs[i].value;
  add_fwd(Mode::both, cpd, dnnl::concat(cpd), args,
          "concat fwd " + dims_str(cpd.dst_desc().dims()));
  y.diff = alloc(cpd.dst_desc());
  std::vector<Step> g;
  std::int64_t offset = 0;
  for (const auto& x : xs) {
    memory::dims xd = x.value.get_desc().dims();
    if (x.diff) {
      auto sub = y.diff.get_desc().submemory_desc(xd, {0, offset, 0, 0});
      memory view(sub, eng_, y.diff.get_data_handle());
      dnnl::reorder::primitive_desc rpd(eng_, sub, eng_, x.diff.get_desc(), attr(false));
      add(g, rpd, dnnl::reorder(rpd), {{DNNL_ARG_FROM, view}, {DNNL_ARG_TO, x.diff}},
          "concat bwd slice " + dims_str(xd));
    }
    offset += xd[1];
  }
  bwd_groups_.push_back(std::move(g));
  return y;
}

Act Graph::dense(const Act& x, std::int64_t units, bool relu, bool logits) {
  memory::dims src = x.value.get_desc().dims();  // (N, C, H, W) or (N, features)
  std::int64_t fan_in = 1;
  for (std::size_t i = 1; i < src.size(); ++i) fan_in *= src[i];
  memory::dims wei = src, dst{src[0], units};
  begin_layer(std::string("dense") + (relu ? "+relu " : " ") + dims_str(dst));
  wei[0] = units;  // (units, C, H, W) or (units, features)
  // Keras's kernel is (in, out) with rows in (H, W, C) flatten order: oneDNN's hwio / io.
  tag user = src.size() == 4 ? tag::hwio : tag::io;
  auto src_any = md(src, tag::any), wei_any = md(wei, tag::any), bias_md = md({units}, tag::x);
  auto dst_fwd = md(dst, logits ? tag::nc : tag::any), dst_any = md(dst, tag::any);
  // Prefer reading the producer's (blocked) layout as is; oneDNN picks the weights to match.
  dnnl::inner_product_forward::primitive_desc fpd;
  try {
    dnnl::inner_product_forward::desc fd(prop_kind::forward_training, x.value.get_desc(),
                                         wei_any, bias_md, dst_fwd);
    fpd = dnnl::inner_product_forward::primitive_desc(fd, attr(relu), eng_);
  } catch (const dnnl::error&) {  // no implementation for that layout: let oneDNN choose
    dnnl::inner_product_forward::desc fd(prop_kind::forward_training, src_any, wei_any,
                                         bias_md, dst_fwd);
    fpd = dnnl::inner_product_forward::primitive_desc(fd, attr(relu), eng_);
  }
  Param w = make_param(fpd.weights_desc(), md(wei, user), glorot(fan_in * units, fan_in, units));
  Param b = make_param(fpd.bias_desc(), bias_md, std::vector<float>(units, 0.0f));
  Act y{alloc(fpd.dst_desc()), {}};
  memory s = adapt_fwd(x.value, fpd.src_desc());
  add_fwd(Mode::both, fpd, dnnl::inner_product_forward(fpd),
          {{DNNL_ARG_SRC, s}, {DNNL_ARG_WEIGHTS, w.w}, {DNNL_ARG_BIAS, b.w},
           {DNNL_ARG_DST, y.value}},
          std::string("dense") + (relu ? "+relu" : "") + " fwd " + dims_str(dst));

  std::vector<Step> g, post;
  auto bwpd = ip_bwd_weights(fpd, src_any, wei_any, dst_any, attr(false), eng_);
  y.diff = alloc(logits ? md(dst, tag::nc) : bwpd.diff_dst_desc());  // logits: (N, units)
  if (relu) relu_backward(g, y);
  memory bs = bwpd.src_desc() == s.get_desc() ? s : adapt(g, x.value, bwpd.src_desc());
  memory dd = adapt(g, y.diff, bwpd.diff_dst_desc());
  memory dw = sink(post, w.dw, bwpd.diff_weights_desc());
  memory db = sink(post, b.dw, bwpd.diff_bias_desc());
  add(g, bwpd, dnnl::inner_product_backward_weights(bwpd),
      {{DNNL_ARG_SRC, bs}, {DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_DIFF_WEIGHTS, dw},
       {DNNL_ARG_DIFF_BIAS, db}},
      "dense bwd weights " + dims_str(wei));
  g.insert(g.end(), post.begin(), post.end());
  post.clear();
  if (x.diff) {
    auto bdpd = ip_bwd_data(fpd, x.diff.get_desc(), src_any, wei_any, dst_any, attr(false),
                            eng_);
    memory wb = adapt(g, w.w, bdpd.weights_desc());
    memory dd2 = adapt(g, y.diff, bdpd.diff_dst_desc());
    memory dx = sink(post, x.diff, bdpd.diff_src_desc());
    add(g, bdpd, dnnl::inner_product_backward_data(bdpd),
        {{DNNL_ARG_WEIGHTS, wb}, {DNNL_ARG_DIFF_DST, dd2}, {DNNL_ARG_DIFF_SRC, dx}},
        "dense bwd data " + dims_str(src));
    g.insert(g.end(), post.begin(), post.end());
  }
  bwd_groups_.push_back(std::move(g));
  return y;
}

}  // namespace tenet_bench::detail
