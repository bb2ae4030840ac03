// kagi/core/random.hpp: randomness.
//
// A random source is any object with `void fill(std::span<std::uint8_t>)` that
// fills the span completely. system_random reads the OS CSPRNG; hmac_drbg
// (hash/hmac_drbg.hpp) is the deterministic one for tests and compile time.
#ifndef KAGI_CORE_RANDOM_HPP
#define KAGI_CORE_RANDOM_HPP

#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>

#include "result.hpp"

#if defined(__linux__)
#include <sys/random.h>
#elif defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace kagi {

template <class R>
concept random_source = requires(R& r, std::span<std::uint8_t> out) { r.fill(out); };

// The operating system's CSPRNG (getrandom on Linux, getentropy elsewhere).
class system_random {
 public:
  // Fills out, or returns errc::random_failure when the OS refuses (out is then
  // zeroed, never left half random). last_errno() tells the OS's reason.
  [[nodiscard]] result<void> try_fill(std::span<std::uint8_t> out) noexcept {
    std::size_t done = 0;
    while (done < out.size()) {
#if defined(__linux__)
      const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(out, errno);
      }
      done += static_cast<std::size_t>(n);
#elif defined(__unix__) || defined(__APPLE__)
      const std::size_t chunk = out.size() - done < 256 ? out.size() - done : 256;
      if (::getentropy(out.data() + done, chunk) != 0) return fail(out, errno);
      done += chunk;
#else
      return fail(out, ENOSYS);
#endif
    }
    return {};
  }

  // Fills out. A CSPRNG that cannot deliver leaves nothing safe to do, so when
  // the OS refuses this prints why and stops the program (call try_fill to
  // handle the failure yourself).
  void fill(std::span<std::uint8_t> out) noexcept {
    if (!try_fill(out)) {
      std::fprintf(stderr, "kagi: the operating system refused random bytes: %s\n", std::strerror(last_errno_));
      detail::fatal("system_random::fill cannot continue without randomness");
    }
  }

  [[nodiscard]] int last_errno() const noexcept { return last_errno_; }

 private:
  result<void> fail(std::span<std::uint8_t> out, int e) noexcept {
    last_errno_ = e;
    std::memset(out.data(), 0, out.size());
    return errc::random_failure;
  }
  int last_errno_ = 0;
};

static_assert(random_source<system_random>);

}  // namespace kagi

#endif  // KAGI_CORE_RANDOM_HPP
