// Event-driven spike push for the JAX CPU backend, as an XLA FFI custom call.
//
// For every neuron i that fired this step, add the weights of its row of the fan-out
// table into the delay ring: ring[(code[i,j] + (t % depth) * width) mod (depth * width)] += w[i,j]
// for j < rowlen[i]. The rows are visited in increasing i and j: the same order as the
// pure-XLA scatter, so both paths give bit-identical rings. Returns the spike count.
//
// SpikesimDeliver copies out row (t % depth) of the ring (the input arriving now) and
// clears it in place. Both handlers alias the ring to their output, so XLA keeps one
// ring buffer for the whole loop instead of copying it every step.
#include <cstdint>
#include <cstring>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

static ffi::Error PushImpl(ffi::Buffer<ffi::F32> ring_in, ffi::Buffer<ffi::PRED> spiked,
                           ffi::Buffer<ffi::S32> code, ffi::Buffer<ffi::F32> weight,
                           ffi::Buffer<ffi::S32> rowlen, ffi::Buffer<ffi::S32> step,
                           ffi::ResultBuffer<ffi::F32> ring_out, ffi::ResultBuffer<ffi::S32> count,
                           int64_t depth, int64_t width, int64_t k) {
  float* ring = ring_out->typed_data();
  const int64_t total = depth * width;
  if (ring != ring_in.typed_data()) {
    std::memcpy(ring, ring_in.typed_data(), sizeof(float) * total);
  }
  const bool* s = spiked.typed_data();
  const int32_t* c = code.typed_data();
  const float* w = weight.typed_data();
  const int32_t* len = rowlen.typed_data();
  const int64_t n = static_cast<int64_t>(spiked.element_count());
  const int64_t base = (static_cast<int64_t>(step.typed_data()[0]) % depth) * width;
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
  count->typed_data()[0] = fired;
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
                                  .Attr<int64_t>("k"));

static ffi::Error DeliverImpl(ffi::Buffer<ffi::F32> ring_in, ffi::Buffer<ffi::S32> step,
                              ffi::ResultBuffer<ffi::F32> ring_out, ffi::ResultBuffer<ffi::F32> row,
                              int64_t depth, int64_t width) {
  float* ring = ring_out->typed_data();
  if (ring != ring_in.typed_data()) {
    std::memcpy(ring, ring_in.typed_data(), sizeof(float) * depth * width);
  }
  float* r = ring + (static_cast<int64_t>(step.typed_data()[0]) % depth) * width;
  std::memcpy(row->typed_data(), r, sizeof(float) * width);
  std::memset(r, 0, sizeof(float) * width);
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
