// kagi/cipher/x86/gcm_vaes.hpp: AES-GCM with VAES and VPCLMULQDQ, one kernel
// for 512-bit registers (AVX-512, four blocks a register) and 256-bit
// registers (AVX2, two blocks a register: CPUs with VAES but no AVX-512, and
// comparing widths on those that have both).
//
// 16 blocks per iteration, in gcm_aesni.hpp's GHASH representation: the round
// keys are broadcast to every lane once per call and stay in registers;
// H'^16..H'^1 fill 16 / lanes registers. GHASH of 16 blocks is 16 carry-less
// multiplies summed unreduced, then the mid terms folded in, the lanes added,
// and one reduction. Sealing hashes each group of 16 ciphertext blocks while
// the next group's counters run through AES; decryption (open) checks the tag
// before it writes any plaintext, in one pass where it can:
//  - short messages (one GHASH group): the keystream stays in registers;
//  - out apart from ct: the stitched pass writes keystream (never plaintext)
//    to out, then out ^= ct, or zeros;
//  - in place: a GHASH pass, then the CTR pass, or zeros.
// Tails use partial loads and stores (masked on AVX-512, through a small
// buffer on AVX2), so a short message runs the same code as a long one.
//
// One kernel, two widths: gcm_vaes<W> is written once, at the end of this file,
// over a width W (gcm_zmm or gcm_ymm: the vector type and the intrinsics of
// that width). A function's target attribute cannot depend on a template
// parameter, and the 256-bit kernel must not be compiled for AVX-512 (it runs
// where there is none), so the file includes itself once per width, with
// KAGI_GCM_VAES_W naming it, and each pass defines the explicit
// specialization gcm_vaes<W> under W's target.
//
// Included by ../gcm.hpp after the portable code and the AES-NI kernel (whose
// 128-bit GHASH pieces it uses) and before the dispatch table that names these
// kernels; on its own it includes the algorithm first.
#if !defined(KAGI_GCM_VAES_W)

#include "../gcm.hpp"

#ifndef KAGI_CIPHER_X86_GCM_VAES_HPP
#define KAGI_CIPHER_X86_GCM_VAES_HPP

#include <array>
#include <cstring>
#include <span>

#if KAGI_X86

namespace kagi::detail {

#define KAGI_GCM_YMM_TARGET KAGI_TARGET("vaes,vpclmulqdq,avx2,avx,aes,pclmul,sse4.1,ssse3")
#define KAGI_GCM_ZMM_TARGET \
  KAGI_TARGET("avx512f,avx512bw,avx512vl,vaes,vpclmulqdq,avx2,avx,aes,pclmul,sse4.1,ssse3")

// g++ 12's AVX-512 intrinsics fill unused lanes from a self-initialized
// "undefined" vector, which -Wuninitialized reports once inlined (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// Each kernel entry point clears the upper register state before it returns:
// g++ leaves it dirty after calls to the out-of-line pieces, and SSE code run
// with dirty upper state pays for every instruction (measured: a 64-byte
// message went from 25 to 215 ns behind SSE code in the caller).
struct gcm_zeroupper_on_exit {
  KAGI_TARGET("avx") ~gcm_zeroupper_on_exit() { _mm256_zeroupper(); }
};

// ---- the widths: the vector type, how many blocks it holds, and the
// operations the kernel needs, one intrinsic (or a few) each

struct gcm_ymm {
  using vec = __m256i;
  static constexpr int lanes = 2;
  static constexpr std::uint32_t needs = gcm_aesni_needs | cpu::avx | cpu::avx2 | cpu::vaes | cpu::vpclmul;
  // 16 registers do not hold 8 registers of powers beside the round keys and
  // the blocks in flight: the powers are loaded where they are used.
  static constexpr bool powers_in_registers = false;
  // Partial loads and stores go through a buffer (no masked byte accesses).
  static constexpr bool cheap_partials = false;

  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec zero() noexcept { return _mm256_setzero_si256(); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec load(const void* p) noexcept {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
  }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static void store(void* p, vec v) noexcept {
    _mm256_storeu_si256(static_cast<__m256i*>(p), v);
  }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec broadcast(__m128i x) noexcept { return _mm256_broadcastsi128_si256(x); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec zext(__m128i x) noexcept { return _mm256_zextsi128_si256(x); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static __m128i low(vec v) noexcept { return _mm256_castsi256_si128(v); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec from_lanes(const __m128i* x) noexcept { return _mm256_set_m128i(x[1], x[0]); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static __m128i fold_lanes(vec v) noexcept {
    return _mm_xor_si128(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec xor_(vec a, vec b) noexcept { return _mm256_xor_si256(a, b); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec xor3(vec a, vec b, vec c) noexcept {
    return _mm256_xor_si256(a, _mm256_xor_si256(b, c));
  }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec add32(vec a, vec b) noexcept { return _mm256_add_epi32(a, b); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec shuffle8(vec a, vec b) noexcept { return _mm256_shuffle_epi8(a, b); }
  // Every lane (w3, w2, w1, w0), w0 the low 32 bits; and lane i = (0, 0, 0, i + 1).
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec dup(int w3, int w2, int w1, int w0) noexcept {
    return _mm256_set_epi32(w3, w2, w1, w0, w3, w2, w1, w0);
  }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec lane_numbers() noexcept { return _mm256_set_epi32(0, 0, 0, 2, 0, 0, 0, 1); }
  template <int Imm>
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec clmul(vec a, vec b) noexcept { return _mm256_clmulepi64_epi128(a, b, Imm); }
  // Each lane shifted up or down by 64 bits, or its halves swapped.
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec shl64(vec v) noexcept { return _mm256_slli_si256(v, 8); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec shr64(vec v) noexcept { return _mm256_srli_si256(v, 8); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec swap64(vec v) noexcept { return _mm256_shuffle_epi32(v, 0x4e); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec aesenc(vec b, vec k) noexcept { return _mm256_aesenc_epi128(b, k); }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec aesenclast(vec b, vec k) noexcept {
    return _mm256_aesenclast_epi128(b, k);
  }
  // Bytes [0, n) of v, zeros above (n <= 32).
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec keep_low(vec v, std::size_t n) noexcept {
    return n >= 32 ? v : _mm256_and_si256(v, load(prefix_mask.data() + 32 - n));
  }
  // Without masked byte loads and stores, a partial register goes through a
  // small buffer. Bytes [0, n) of p (n <= 32), zeros above.
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static vec load_partial(const std::uint8_t* p, std::size_t n) noexcept {
    if (n >= 32) return load(p);
    alignas(32) std::uint8_t b[32] = {};
    if (n > 0) std::memcpy(b, p, n);
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
  }
  KAGI_GCM_YMM_TARGET KAGI_GCM_INLINE static void store_partial(std::uint8_t* p, vec v, std::size_t n) noexcept {
    if (n >= 32) {
      store(p, v);
      return;
    }
    alignas(32) std::uint8_t b[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(b), v);
    std::memcpy(p, b, n);
  }

 private:
  // 32 bytes of ones, then 32 of zeros: a window at 32 - n keeps n bytes.
  static constexpr std::array<std::uint8_t, 64> prefix_mask = [] {
    std::array<std::uint8_t, 64> m{};
    for (std::size_t i = 0; i < 32; ++i) m[i] = 0xff;
    return m;
  }();
};

struct gcm_zmm {
  using vec = __m512i;
  static constexpr int lanes = 4;
  static constexpr std::uint32_t needs = gcm_ymm::needs | cpu::avx512f | cpu::avx512bw | cpu::avx512vl;
  // 32 registers: the 4 registers of powers stay in them through a loop.
  static constexpr bool powers_in_registers = true;
  // Partial loads and stores are masked accesses.
  static constexpr bool cheap_partials = true;

  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec zero() noexcept { return _mm512_setzero_si512(); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec load(const void* p) noexcept { return _mm512_loadu_si512(p); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static void store(void* p, vec v) noexcept { _mm512_storeu_si512(p, v); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec broadcast(__m128i x) noexcept { return _mm512_broadcast_i32x4(x); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec zext(__m128i x) noexcept { return _mm512_zextsi128_si512(x); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static __m128i low(vec v) noexcept { return _mm512_castsi512_si128(v); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec from_lanes(const __m128i* x) noexcept {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(x[1], x[0])), _mm256_set_m128i(x[3], x[2]), 1);
  }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static __m128i fold_lanes(vec v) noexcept {
    const __m256i h = _mm256_xor_si256(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
    return _mm_xor_si128(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec xor_(vec a, vec b) noexcept { return _mm512_xor_si512(a, b); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec xor3(vec a, vec b, vec c) noexcept {
    return _mm512_ternarylogic_epi64(a, b, c, 0x96);
  }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec add32(vec a, vec b) noexcept { return _mm512_add_epi32(a, b); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec shuffle8(vec a, vec b) noexcept { return _mm512_shuffle_epi8(a, b); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec dup(int w3, int w2, int w1, int w0) noexcept {
    return _mm512_set_epi32(w3, w2, w1, w0, w3, w2, w1, w0, w3, w2, w1, w0, w3, w2, w1, w0);
  }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec lane_numbers() noexcept {
    return _mm512_set_epi32(0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1);
  }
  template <int Imm>
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec clmul(vec a, vec b) noexcept { return _mm512_clmulepi64_epi128(a, b, Imm); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec shl64(vec v) noexcept { return _mm512_bslli_epi128(v, 8); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec shr64(vec v) noexcept { return _mm512_bsrli_epi128(v, 8); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec swap64(vec v) noexcept { return _mm512_shuffle_epi32(v, _MM_PERM_BADC); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec aesenc(vec b, vec k) noexcept { return _mm512_aesenc_epi128(b, k); }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec aesenclast(vec b, vec k) noexcept {
    return _mm512_aesenclast_epi128(b, k);
  }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec keep_low(vec v, std::size_t n) noexcept {
    return _mm512_maskz_mov_epi8(mask(n), v);
  }
  // Bytes [0, n) of p, zeros above (n <= 64); nothing past p + n is touched.
  // The access uses the narrowest of 16, 32 or 64 bytes that holds n: a
  // masked access still counts as touching its whole window for store
  // forwarding, so a wide window over a small buffer would stall on
  // neighbouring data that the caller has just written, or make the caller's
  // next reads of it wait. Whole registers load plainly: a masked load does
  // not take its data from a store still in flight, a plain one does.
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static vec load_partial(const std::uint8_t* p, std::size_t n) noexcept {
    if (n >= 64) return _mm512_loadu_si512(p);
    const std::size_t window = n <= 16 ? 16 : n <= 32 ? 32 : 64;
    if (window_in_page(p, window)) {
      const __mmask64 m = mask(n);
      if (window == 16) return _mm512_zextsi128_si512(_mm_maskz_loadu_epi8(static_cast<__mmask16>(m), p));
      if (window == 32) return _mm512_zextsi256_si512(_mm256_maskz_loadu_epi8(static_cast<__mmask32>(m), p));
      return _mm512_maskz_loadu_epi8(m, p);
    }
    alignas(64) std::uint8_t b[64] = {};
    std::memcpy(b, p, n);
    const __m512i v = _mm512_load_si512(b);
    secure_wipe(std::span(b));
    return v;
  }
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static void store_partial(std::uint8_t* p, vec v, std::size_t n) noexcept {
    if (n >= 64) {
      _mm512_storeu_si512(p, v);
      return;
    }
    const std::size_t window = n <= 16 ? 16 : n <= 32 ? 32 : 64;
    if (window_in_page(p, window)) {
      const __mmask64 m = mask(n);
      if (window == 16) {
        _mm_mask_storeu_epi8(p, static_cast<__mmask16>(m), _mm512_castsi512_si128(v));
      } else if (window == 32) {
        _mm256_mask_storeu_epi8(p, static_cast<__mmask32>(m), _mm512_castsi512_si256(v));
      } else {
        _mm512_mask_storeu_epi8(p, m, v);
      }
      return;
    }
    alignas(64) std::uint8_t b[64];
    _mm512_store_si512(b, v);
    std::memcpy(p, b, n);
    secure_wipe(std::span(b));
  }

 private:
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static __mmask64 mask(std::size_t bytes) noexcept {
    return _cvtu64_mask64(bytes >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bytes) - 1);
  }
  // A masked access never faults on the bytes it leaves out, but when those
  // bytes lie on another page the CPU checks that page in microcode (hundreds
  // of cycles; every time, if the page was never touched). So a partial access
  // whose window would reach into the next page goes through a small buffer
  // instead (a branch on the address, which is public). This is only for the
  // last 63 bytes of a page.
  KAGI_GCM_ZMM_TARGET KAGI_GCM_INLINE static bool window_in_page(const void* p, std::size_t window) noexcept {
    return (reinterpret_cast<std::uintptr_t>(p) & 4095) <= 4096 - window;
  }
};

// The kernel for one width (the passes below).
template <class W>
struct gcm_vaes;

}  // namespace kagi::detail

#define KAGI_GCM_VAES_W gcm_zmm
#define KAGI_GCM_VAES_TARGET KAGI_GCM_ZMM_TARGET
#include "gcm_vaes.hpp"
#undef KAGI_GCM_VAES_TARGET
#undef KAGI_GCM_VAES_W

#define KAGI_GCM_VAES_W gcm_ymm
#define KAGI_GCM_VAES_TARGET KAGI_GCM_YMM_TARGET
#include "gcm_vaes.hpp"
#undef KAGI_GCM_VAES_TARGET
#undef KAGI_GCM_VAES_W

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#undef KAGI_GCM_ZMM_TARGET
#undef KAGI_GCM_YMM_TARGET
// Defined by gcm_aesni.hpp, which ../gcm.hpp includes before this file.
#undef KAGI_GCM_INLINE
#undef KAGI_GCM_CALLED

#endif  // KAGI_X86

#endif  // KAGI_CIPHER_X86_GCM_VAES_HPP

#else  // KAGI_GCM_VAES_W: the kernel, compiled for the width KAGI_GCM_VAES_W

namespace kagi::detail {

template <>
struct gcm_vaes<KAGI_GCM_VAES_W> : KAGI_GCM_VAES_W {
  using W = KAGI_GCM_VAES_W;
  static constexpr std::size_t width = 16 * lanes;  // bytes per register
  static constexpr int regs = 16 / lanes;           // registers per group of 16 blocks

  // ---- GHASH: unreduced sums of the four 64 x 64 partial products, per lane

  struct acc {
    vec lo, mid, hi;
  };

  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static acc zero_acc() noexcept { return {zero(), zero(), zero()}; }
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static void mul_first(acc& a, vec x, vec h) noexcept {
    a.lo = clmul<0x00>(x, h);
    a.hi = clmul<0x11>(x, h);
    a.mid = xor_(clmul<0x01>(x, h), clmul<0x10>(x, h));
  }
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static void mul_add(acc& a, vec x, vec h) noexcept {
    a.lo = xor_(a.lo, clmul<0x00>(x, h));
    a.hi = xor_(a.hi, clmul<0x11>(x, h));
    a.mid = xor3(a.mid, clmul<0x01>(x, h), clmul<0x10>(x, h));
    // On 256-bit registers (16 of them) the sums stay in order: left alone,
    // g++ reassociates a group's xors into a tree, which keeps every product
    // alive at once and spills them (level b, 16 KiB: 11 -> 12.8 GB/s sealing,
    // 9.8 -> 12.3 opening). With 32 zmm registers it made no difference.
    if constexpr (lanes == 2) __asm__("" : "+x"(a.lo), "+x"(a.mid), "+x"(a.hi));
  }

  // Folds the mid terms in, adds the lanes, and reduces to one element.
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static __m128i reduce(const acc& a) noexcept {
    gcm_acc128 r;
    r.lo = fold_lanes(xor_(a.lo, shl64(a.mid)));
    r.hi = fold_lanes(xor_(a.hi, shr64(a.mid)));
    r.mid = _mm_setzero_si128();
    return gcm_reduce(r);
  }

  // Each lane's product reduced on its own (no lanes added): `lanes` gcm_mul at once.
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static vec mul_lanes(vec x, vec h) noexcept {
    acc a;
    mul_first(a, x, h);
    const vec fold = broadcast(_mm_set_epi64x(0, static_cast<long long>(0xc200000000000000ull)));
    vec lo = xor_(a.lo, shl64(a.mid));
    const vec hi = xor_(a.hi, shr64(a.mid));
    lo = xor_(swap64(lo), clmul<0x00>(lo, fold));
    lo = xor_(swap64(lo), clmul<0x00>(lo, fold));
    return xor_(lo, hi);
  }

  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static vec bswap(vec x) noexcept {
    return shuffle8(x, broadcast(_mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
  }

  // The powers for a group of `top` blocks: H'^top, H'^(top-1), ... (zero past H'^1).
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static const std::uint64_t* powers_from(const std::uint64_t* hpow,
                                                                               std::size_t top) noexcept {
    return hpow + 2 * (gcm_powers - top);
  }

  // H'^16 .. H'^1 as `regs` registers, where the loops over whole groups take them.
  struct powers {
    const std::uint64_t* p;
    vec h[powers_in_registers ? regs : 1];
    KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE explicit powers(const std::uint64_t* hpow) noexcept : p(hpow) {
      if constexpr (powers_in_registers)
        for (int i = 0; i < regs; ++i) h[i] = load(hpow + 2 * lanes * i);
    }
    KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE vec operator[](int i) const noexcept {
      if constexpr (powers_in_registers) {
        return h[i];
      } else {
        return load(p + 2 * lanes * i);
      }
    }
  };

  // Calls Op::run<N>(args...) for N = n (1 <= n <= regs), the registers a
  // piece of up to 16 blocks takes, so that its loops have a compile-time bound.
  template <class Op, int N = 1, class... A>
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static auto by_regs(std::size_t n, A&&... args) noexcept {
    if constexpr (N == regs) {
      return Op::template run<N>(args...);
    } else {
      if (n == N) return Op::template run<N>(args...);
      return by_regs<Op, N + 1>(n, args...);
    }
  }

  // Adds the products of the blocks of p (bytes bytes, the last block
  // zero-padded) with the powers at hp (H'^top, H'^(top-1), ...) to a; fold is
  // XORed into the first block. N = registers of data.
  struct products {
    template <int N>
    KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static void run(acc& a, const std::uint8_t* p, std::size_t bytes,
                                                         const std::uint64_t* hp, __m128i fold) noexcept {
#pragma GCC unroll 8
      for (int i = 0; i < N; ++i) {
        const std::size_t at = width * static_cast<std::size_t>(i);
        vec x = bswap(load_partial(p + (bytes > at ? at : 0), bytes > at ? bytes - at : 0));
        if (i == 0) x = xor_(x, zext(fold));
        mul_add(a, x, load(hp + 2 * lanes * i));
      }
    }
  };
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static void products_any(acc& a, const std::uint8_t* p, std::size_t bytes,
                                                                const std::uint64_t* hp, __m128i fold) noexcept {
    by_regs<products>((bytes + width - 1) / width, a, p, bytes, hp, fold);
  }

  // GHASH of len bytes of data (zero-padded), 16 blocks per reduction.
  KAGI_GCM_VAES_TARGET KAGI_GCM_CALLED static __m128i ghash(const std::uint64_t* hpow, __m128i y, const std::uint8_t* p,
                                                            std::size_t len) noexcept {
    for (; len >= 256; len -= 256, p += 256) {
      acc a = zero_acc();
      products::run<regs>(a, p, 256, hpow, y);
      y = reduce(a);
    }
    if (len > 0) {
      acc a = zero_acc();
      products_any(a, p, len, powers_from(hpow, (len + 15) / 16), y);
      y = reduce(a);
    }
    return y;
  }

  // The last GHASH group: aad (a bytes) || ct (c bytes) || the length block,
  // continuing from y, with one reduction. Needs ceil(a/16) + ceil(c/16) + 1 <= 16.
  KAGI_GCM_VAES_TARGET KAGI_GCM_CALLED static __m128i ghash_last(const std::uint64_t* hpow, __m128i y,
                                                            const std::uint8_t* aad, std::size_t a,
                                                            const std::uint8_t* ct, std::size_t c,
                                                            __m128i lengths) noexcept {
    const std::size_t na = (a + 15) / 16, nc = (c + 15) / 16, n = na + nc + 1;
    acc s = zero_acc();
    __m128i fold = y;
    if (na > 0) {
      products_any(s, aad, a, powers_from(hpow, n), fold);
      fold = _mm_setzero_si128();
    }
    if (nc > 0) {
      products_any(s, ct, c, powers_from(hpow, n - na), fold);
      fold = _mm_setzero_si128();
    }
    // The length block against H'^1 (the lanes above it meet zero powers).
    mul_add(s, zext(_mm_xor_si128(lengths, fold)), load(powers_from(hpow, 1)));
    return reduce(s);
  }

  // GHASH of aad and ct (both from the start) and the length block, for
  // ciphertext hashed after the fact (decryption's check).
  KAGI_GCM_VAES_TARGET KAGI_GCM_CALLED static __m128i ghash_all(const std::uint64_t* hpow, __m128i y,
                                                                const std::uint8_t* aad, std::size_t a,
                                                                const std::uint8_t* ct, std::size_t c,
                                                                __m128i lengths) noexcept {
    if ((a + 15) / 16 + (c + 15) / 16 + 1 > gcm_powers) {
      y = ghash(hpow, y, aad, a);
      a = 0;
      // Whole groups of ciphertext, leaving at most 15 blocks for the last group.
      const std::size_t r = c % 256;
      const std::size_t bulk = (r == 0 || r > 240) ? c : c - r;
      y = ghash(hpow, y, ct, bulk);
      ct += bulk;
      c -= bulk;
    }
    return ghash_last(hpow, y, aad, a, ct, c, lengths);
  }

  // The first tag_len bytes of expected and tag equal? In constant time: one
  // XOR and one test over all of them; only the verdict is revealed.
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static bool tag_matches(__m128i expected, const std::uint8_t* tag,
                                                               std::size_t tag_len) noexcept {
    const __m128i t = tag_len == 16 ? gcm_load(tag) : low(load_partial(tag, tag_len));
    const __m128i diff = low(keep_low(zext(_mm_xor_si128(expected, t)), tag_len));
    return ct::declassify(static_cast<bool>(_mm_testz_si128(diff, diff)));
  }

  // ---- AES-CTR: round keys in every lane, counter registers

  template <int Rounds>
  struct keys {
    vec k[Rounds + 1];
    KAGI_GCM_VAES_TARGET explicit keys(const std::uint8_t* rk) noexcept {
#pragma GCC unroll 16
      for (int i = 0; i <= Rounds; ++i) k[i] = broadcast(gcm_load(rk + 16 * i));
    }
    KAGI_GCM_VAES_TARGET __m128i block(__m128i b) const noexcept {
      b = _mm_xor_si128(b, low(k[0]));
#pragma GCC unroll 16
      for (int r = 1; r < Rounds; ++r) b = _mm_aesenc_si128(b, low(k[r]));
      return _mm_aesenclast_si128(b, low(k[Rounds]));
    }
  };

  // The counter register c holds J0 + 1 + n .. J0 + lanes + n (byte-swapped);
  // register i of a batch is c + lanes * i. 32-bit lane adds wrap like inc32.
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static vec ctr(vec c, int i) noexcept {
    return bswap(add32(c, dup(0, 0, 0, lanes * i)));
  }
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static vec ctr_start(__m128i j0) noexcept {
    return add32(broadcast(gcm_bswap128(j0)), lane_numbers());
  }
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static vec ctr_advance(vec c, int blocks) noexcept {
    return add32(c, dup(0, 0, 0, blocks));
  }

  // Counter registers i = 0..N-1 of a batch, xor k0: one byte swap and adds on
  // the big-endian form when gcm_ctr_fast allows, else a swap per register.
  template <int N>
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static void counters(vec c, bool fast, vec k0, vec (&b)[N]) noexcept {
    if (fast) {
      const vec base = bswap(c);
#pragma GCC unroll 8
      for (int i = 0; i < N; ++i) b[i] = xor_(add32(base, dup((lanes * i) << 24, 0, 0, 0)), k0);
    } else {
#pragma GCC unroll 8
      for (int i = 0; i < N; ++i) b[i] = xor_(ctr(c, i), k0);
    }
  }

  // Keystream for N registers from counter register c.
  template <int Rounds, int N>
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static void keystream(const keys<Rounds>& k, vec c, bool fast,
                                                             vec (&b)[N]) noexcept {
    counters<N>(c, fast, k.k[0], b);
#pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r)
#pragma GCC unroll 8
      for (int i = 0; i < N; ++i) b[i] = aesenc(b[i], k.k[r]);
#pragma GCC unroll 8
    for (int i = 0; i < N; ++i) b[i] = aesenclast(b[i], k.k[Rounds]);
  }

  // out = in ^ keystream (with Xor; else the keystream itself) for the last
  // `bytes` (1..256) bytes, in N registers.
  template <int Rounds, bool Xor>
  struct ctr_tail_n {
    template <int N>
    KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static void run(const keys<Rounds>& k, vec c, bool fast,
                                                         const std::uint8_t* in, std::uint8_t* out,
                                                         std::size_t bytes) noexcept {
      vec b[N];
      keystream<Rounds, N>(k, c, fast, b);
#pragma GCC unroll 8
      for (int i = 0; i < N; ++i) {
        const std::size_t at = width * static_cast<std::size_t>(i), n = bytes - at < width ? bytes - at : width;
        if constexpr (Xor) {
          store_partial(out + at, xor_(b[i], load_partial(in + at, n)), n);
        } else {
          store_partial(out + at, b[i], n);
        }
      }
    }
  };
  template <int Rounds, bool Xor>
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static void ctr_tail(const keys<Rounds>& k, vec c, gcm_iv iv, std::size_t done,
                                                            const std::uint8_t* in, std::uint8_t* out,
                                                            std::size_t bytes) noexcept {
    by_regs<ctr_tail_n<Rounds, Xor>>((bytes + width - 1) / width, k, c, gcm_ctr_fast(iv, done / 16, 16), in, out,
                                     bytes);
  }

  // out = in ^ CTR from counter register c (J0 + 1 on).
  template <int Rounds>
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static void ctr_xor(const keys<Rounds>& k, vec c, gcm_iv iv,
                                                           const std::uint8_t* in, std::uint8_t* out,
                                                           std::size_t len) noexcept {
    std::size_t done = 0;
    for (; len - done >= 256; done += 256) {
      vec b[regs];
      keystream<Rounds, regs>(k, c, gcm_ctr_fast(iv, done / 16, 16), b);
#pragma GCC unroll 8
      for (int i = 0; i < regs; ++i) store(out + done + width * i, xor_(b[i], load(in + done + width * i)));
      c = ctr_advance(c, 16);
    }
    if (done < len) ctr_tail<Rounds, true>(k, c, iv, done, in + done, out + done, len - done);
  }

  // out ^= in.
  KAGI_GCM_VAES_TARGET inline static void xor_into(std::uint8_t* out, const std::uint8_t* in, std::size_t len) noexcept {
    // On long runs the stores are lined up with whole registers first (a
    // store split across two cache lines costs about two), where a partial
    // register costs no more than a whole one.
    std::size_t i = cheap_partials && len >= 1024
                        ? (width - (reinterpret_cast<std::uintptr_t>(out) & (width - 1))) & (width - 1)
                        : 0;
    if (i > 0) store_partial(out, xor_(load_partial(out, i), load_partial(in, i)), i);
    for (; i + 256 <= len; i += 256) {
#pragma GCC unroll 8
      for (int j = 0; j < regs; ++j)
        store(out + i + width * j, xor_(load(out + i + width * j), load(in + i + width * j)));
    }
    for (; i < len; i += width) {
      const std::size_t n = len - i < width ? len - i : width;
      store_partial(out + i, xor_(load_partial(out + i, n), load_partial(in + i, n)), n);
    }
  }

  // ---- the stitched loop

  // One iteration: AES of 16 counter blocks while the 16 blocks at g
  // (ciphertext) are hashed into y; stores in ^ keystream to out (with Xor),
  // or the keystream itself.
  template <int Rounds, bool Xor>
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static __m128i stitched(const keys<Rounds>& k, const powers& h, vec c, bool fast,
                                                               __m128i y, const std::uint8_t* g, const std::uint8_t* in,
                                                               std::uint8_t* out) noexcept {
    vec b[regs];
    counters<regs>(c, fast, k.k[0], b);
    acc a;
    const vec x0 = xor_(bswap(load(g)), zext(y));
#pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r) {
#pragma GCC unroll 8
      for (int i = 0; i < regs; ++i) b[i] = aesenc(b[i], k.k[r]);
      if (r == 1) mul_first(a, x0, h[0]);
      if (r >= 2 && r <= regs) mul_add(a, bswap(load(g + width * (r - 1))), h[r - 1]);
    }
#pragma GCC unroll 8
    for (int i = 0; i < regs; ++i) {
      const vec ks = aesenclast(b[i], k.k[Rounds]);
      if constexpr (Xor) {
        store(out + width * i, xor_(ks, load(in + width * i)));
      } else {
        store(out + width * i, ks);
      }
    }
    return reduce(a);
  }

  // Encrypts the last len (1..256, N = ceil(len / width) registers) bytes of a
  // message (its first `done` bytes already done) and returns the GHASH, from
  // y, of aad || these ciphertext bytes || lengths as one group (it must fit).
  // The ciphertext is hashed from registers: reading it back from memory would
  // wait for partial stores to complete (masked stores do not forward to
  // loads). Inlined: called, it made every message spill the round keys
  // (64-byte records 10-15% slower at both widths).
  template <int Rounds>
  struct seal_last {
    template <int N>
    KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static __m128i run(const keys<Rounds>& k, const std::uint64_t* hpow, vec c,
                                                            gcm_iv iv, std::size_t done, __m128i y,
                                                            const std::uint8_t* aad, std::size_t aad_len,
                                                            const std::uint8_t* in, std::uint8_t* out, std::size_t len,
                                                            __m128i lengths) noexcept {
      const std::size_t na = (aad_len + 15) / 16, nc = (len + 15) / 16, n = na + nc + 1;
      acc s = zero_acc();
      if (na > 0) {
        products_any(s, aad, aad_len, powers_from(hpow, n), y);
        y = _mm_setzero_si128();
      }
      vec b[N];
      keystream<Rounds, N>(k, c, gcm_ctr_fast(iv, done / 16, lanes * N), b);
      const std::uint64_t* hp = powers_from(hpow, n - na);
#pragma GCC unroll 8
      for (int i = 0; i < N; ++i) {
        const std::size_t at = width * static_cast<std::size_t>(i), m = len - at < width ? len - at : width;
        const vec x = keep_low(xor_(b[i], load_partial(in + at, m)), m);
        store_partial(out + at, x, m);
        vec g = bswap(x);
        if (i == 0) g = xor_(g, zext(y));
        mul_add(s, g, load(hp + 2 * lanes * i));
      }
      mul_add(s, zext(lengths), load(powers_from(hpow, 1)));
      return reduce(s);
    }
  };
  template <int Rounds>
  KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE static __m128i seal_last_any(const keys<Rounds>& k, const std::uint64_t* hpow,
                                                                    vec c, gcm_iv iv, std::size_t done, __m128i y,
                                                                    const std::uint8_t* aad, std::size_t aad_len,
                                                                    const std::uint8_t* in, std::uint8_t* out,
                                                                    std::size_t len, __m128i lengths) noexcept {
    if (len == 0) return ghash_last(hpow, y, aad, aad_len, out, 0, lengths);
    return by_regs<seal_last<Rounds>>((len + width - 1) / width, k, hpow, c, iv, done, y, aad, aad_len, in, out, len,
                                      lengths);
  }

  // A message's start: its round keys, E(K, J0), the length block and the
  // first counter register.
  template <int Rounds>
  struct start {
    keys<Rounds> k;
    __m128i ej0, lengths;
    vec c0;
    KAGI_GCM_VAES_TARGET KAGI_GCM_INLINE start(const std::uint8_t* rk, gcm_iv iv, std::size_t aad_len,
                                               std::size_t len) noexcept
        : k(rk) {
      const __m128i j0v = gcm_load_j0(iv);
      ej0 = k.block(j0v);
      lengths = gcm_lengths(aad_len, len);
      c0 = ctr_start(j0v);
    }
  };

  // ---- the kernel's entry points (gcm.hpp's table)

  // gcm_init_aesni with H'^5..8 and H'^9..16 as products of several lanes at
  // once: (H'^4..1) * H'^4, then (H'^4..1) * H'^8 and (H'^8..5) * H'^8. The
  // 128-bit multiplier port is the bottleneck of the one-lane version (six
  // carry-less multiplies and four shuffles per product); this halves the
  // powers' time on 512-bit registers.
  template <int Rounds>
  KAGI_GCM_VAES_TARGET static void init(const std::uint8_t* key, std::uint8_t* rk, std::uint64_t* hpow) noexcept {
    const gcm_zeroupper_on_exit clean_upper_state;
    const __m128i p1 = gcm_expand_key_h1<Rounds>(key, rk);
    const __m128i p2 = gcm_mul(p1, p1);
    const __m128i p4321[4] = {gcm_mul(p2, p2), gcm_mul(p2, p1), p2, p1};
    // Registers in memory order: lane j of register i holds H'^(top - lanes * i - j).
    constexpr int n = 4 / lanes;
    vec lo4[n], mid4[n];
    const vec b4 = broadcast(p4321[0]);
#pragma GCC unroll 2
    for (int i = 0; i < n; ++i) {
      lo4[i] = from_lanes(p4321 + lanes * i);   // H'^4 ..
      mid4[i] = mul_lanes(lo4[i], b4);          // H'^8 ..
    }
    const vec b8 = broadcast(low(mid4[0]));
#pragma GCC unroll 2
    for (int i = 0; i < n; ++i) store(hpow + 2 * lanes * i, mul_lanes(mid4[i], b8));  // H'^16 ..
#pragma GCC unroll 2
    for (int i = 0; i < n; ++i) store(hpow + 8 + 2 * lanes * i, mul_lanes(lo4[i], b8));  // H'^12 ..
#pragma GCC unroll 2
    for (int i = 0; i < n; ++i) {
      store(hpow + 16 + 2 * lanes * i, mid4[i]);
      store(hpow + 24 + 2 * lanes * i, lo4[i]);
    }
  }

  template <int Rounds>
  KAGI_GCM_VAES_TARGET static void seal(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                        const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* in,
                                        std::uint8_t* out, std::size_t len, std::uint8_t* tag) noexcept {
    const gcm_zeroupper_on_exit clean_upper_state;
    const start<Rounds> m(rk, iv, aad_len, len);
    const auto& k = m.k;
    const __m128i ej0 = m.ej0, lengths = m.lengths;
    vec c = m.c0;
    __m128i y = _mm_setzero_si128();
    std::size_t done = 0;
    if (len < 256 && (aad_len + 15) / 16 + (len + 15) / 16 + 1 <= gcm_powers) {
      // Short: AAD, ciphertext and lengths in one GHASH group.
      y = seal_last_any<Rounds>(k, hpow, c, iv, 0, y, aad, aad_len, in, out, len, lengths);
      gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
      return;
    }
    y = ghash(hpow, y, aad, aad_len);
    if (len >= 256) {
      const powers h(hpow);
      vec b[regs];
      keystream<Rounds, regs>(k, c, gcm_ctr_fast(iv, 0, 16), b);
#pragma GCC unroll 8
      for (int i = 0; i < regs; ++i) store(out + width * i, xor_(b[i], load(in + width * i)));
      c = ctr_advance(c, 16);
      for (done = 256; len - done >= 256; done += 256) {
        y = stitched<Rounds, true>(k, h, c, gcm_ctr_fast(iv, done / 16, 16), y, out + done - 256, in + done,
                                   out + done);
        c = ctr_advance(c, 16);
      }
      y = ghash(hpow, y, out + done - 256, 256);
      if (len - done <= 240) {  // the tail and the length block make one group
        y = seal_last_any<Rounds>(k, hpow, c, iv, done, y, nullptr, 0, in + done, out + done, len - done, lengths);
        gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
        return;
      }
    }
    if (done < len) ctr_tail<Rounds, true>(k, c, iv, done, in + done, out + done, len - done);
    y = ghash_all(hpow, y, nullptr, 0, out + done, len - done, lengths);
    gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
  }

  template <int Rounds>
  KAGI_GCM_VAES_TARGET static bool open(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                        const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* ct,
                                        std::uint8_t* out, std::size_t len, const std::uint8_t* tag,
                                        std::size_t tag_len) noexcept {
    const gcm_zeroupper_on_exit clean_upper_state;
    const start<Rounds> m(rk, iv, aad_len, len);
    const auto& k = m.k;
    const __m128i ej0 = m.ej0, lengths = m.lengths;
    vec c = m.c0;
    if (len <= 256 && (aad_len + 15) / 16 + (len + 15) / 16 + 1 <= gcm_powers) {
      vec b[regs];
      keystream<Rounds, regs>(k, c, gcm_ctr_fast(iv, 0, 16), b);
      const __m128i y = ghash_last(hpow, _mm_setzero_si128(), aad, aad_len, ct, len, lengths);
      const bool ok = tag_matches(_mm_xor_si128(gcm_bswap128(y), ej0), tag, tag_len);
#pragma GCC unroll 8
      for (int i = 0; i < regs; ++i) {
        const std::size_t at = width * static_cast<std::size_t>(i);
        if (at >= len) break;
        const std::size_t n = len - at < width ? len - at : width;
        store_partial(out + at, ok ? xor_(b[i], load_partial(ct + at, n)) : zero(), n);
      }
      return ok;
    }
    __m128i y = _mm_setzero_si128();
    std::size_t done = 0;
    const bool separate = out != ct;
    if (separate) {
      y = ghash(hpow, y, aad, aad_len);
      aad_len = 0;
      const powers h(hpow);
      for (; len - done >= 256; done += 256) {
        y = stitched<Rounds, false>(k, h, c, gcm_ctr_fast(iv, done / 16, 16), y, ct + done, nullptr, out + done);
        c = ctr_advance(c, 16);
      }
      if (done < len) ctr_tail<Rounds, false>(k, c, iv, done, nullptr, out + done, len - done);
    }
    y = ghash_all(hpow, y, aad, aad_len, ct + done, len - done, lengths);
    if (!tag_matches(_mm_xor_si128(gcm_bswap128(y), ej0), tag, tag_len)) {
      for (std::size_t i = 0; i < len; i += width) store_partial(out + i, zero(), len - i < width ? len - i : width);
      return false;
    }
    if (separate) {
      xor_into(out, ct, len);
    } else {
      ctr_xor(k, m.c0, iv, ct, out, len);
    }
    return true;
  }
};

}  // namespace kagi::detail

#endif  // KAGI_GCM_VAES_W
