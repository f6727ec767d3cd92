// Event-driven spike push for the JAX CPU backend, as an XLA FFI custom call.
//
// For every neuron i that fired this step, add the weights of its row of the fan-out
// table into the delay ring: ring[(code[i,j] + (t % depth) * width) mod (depth * width)] += w[i,j]
// for j < rowlen[i]. The rows are visited in increasing i and j: the same order as the
// pure-XLA scatter, so both paths give bit-identical rings. Returns the spike count.
//
// SpikesimDeliver copies out row (t % depth) of the ring (the input arriving now) and
// clears it in place. Both work on a batch (jax.vmap) as well: see PushImpl. Both handlers alias the ring to their output, so XLA keeps one
// ring buffer for the whole loop instead of copying it every step.
#include <cstdint>
#include <cstring>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

static ffi::Error PushImpl(ffi::Buffer<ffi::F32> ring_in, ffi::Buffer<ffi::PRED> spiked,
                           ffi::Buffer<ffi::S32> code, ffi::Buffer<ffi::F32> weight,
                           ffi::Buffer<ffi::S32> rowlen, ffi::Buffer<ffi::S32> step,
                           ffi::ResultBuffer<ffi::F32> ring_out, ffi::ResultBuffer<ffi::S32> count,
                           int64_t depth, int64_t width, int64_t k, int64_t n) {
  // Batched under jax.vmap (vmap_method="expand_dims"): every operand has a leading axis
  // of size B (batched) or 1 (shared by the batch); unbatched calls have B = 1.
  const int64_t total = depth * width;
  const int64_t batch = static_cast<int64_t>(ring_in.element_count()) / total;
  float* ring0 = ring_out->typed_data();
  if (ring0 != ring_in.typed_data()) {
    std::memcpy(ring0, ring_in.typed_data(), sizeof(float) * total * batch);
  }
  const bool s_b = static_cast<int64_t>(spiked.element_count()) > n;
  const bool l_b = static_cast<int64_t>(rowlen.element_count()) > n + 1;
  const bool c_b = static_cast<int64_t>(code.element_count()) > (n + 1) * k;
  const bool w_b = static_cast<int64_t>(weight.element_count()) > (n + 1) * k;
  const int64_t base = (static_cast<int64_t>(step.typed_data()[0]) % depth) * width;
  for (int64_t b = 0; b < batch; ++b) {
    float* ring = ring0 + b * total;
    const bool* s = spiked.typed_data() + (s_b ? b * n : 0);
    const int32_t* c = code.typed_data() + (c_b ? b * (n + 1) * k : 0);
    const float* w = weight.typed_data() + (w_b ? b * (n + 1) * k : 0);
    const int32_t* len = rowlen.typed_data() + (l_b ? b * (n + 1) : 0);
    int32_t fired = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (!s[i]) continue;
      ++fired;
      const int32_t* ci = c + i * k;
      const float* wi = w + i * k;
      for (int32_t j = 0; j < len[i]; ++j) {
        int64_t pos = ci[j] + base;
        if (pos >= total) pos -= total;
        ring[pos] += wi[j];
      }
    }
    count->typed_data()[b] = fired;
  }
  return ffi::Error::Success();
}

XLA_FFI_DEFINE_HANDLER_SYMBOL(SpikesimPush, PushImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::PRED>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::S32>>()
                                  .Attr<int64_t>("depth")
                                  .Attr<int64_t>("width")
                                  .Attr<int64_t>("k")
                                  .Attr<int64_t>("n"));

static ffi::Error DeliverImpl(ffi::Buffer<ffi::F32> ring_in, ffi::Buffer<ffi::S32> step,
                              ffi::ResultBuffer<ffi::F32> ring_out, ffi::ResultBuffer<ffi::F32> row,
                              int64_t depth, int64_t width) {
  const int64_t total = depth * width;
  const int64_t batch = static_cast<int64_t>(ring_in.element_count()) / total;
  float* ring0 = ring_out->typed_data();
  if (ring0 != ring_in.typed_data()) {
    std::memcpy(ring0, ring_in.typed_data(), sizeof(float) * total * batch);
  }
  const int64_t offset = (static_cast<int64_t>(step.typed_data()[0]) % depth) * width;
  for (int64_t b = 0; b < batch; ++b) {
    float* r = ring0 + b * total + offset;
    std::memcpy(row->typed_data() + b * width, r, sizeof(float) * width);
    std::memset(r, 0, sizeof(float) * width);
  }
  return ffi::Error::Success();
}
XLA_FFI_DEFINE_HANDLER_SYMBOL(SpikesimDeliver, DeliverImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>()
                                  .Attr<int64_t>("depth")
                                  .Attr<int64_t>("width"));
