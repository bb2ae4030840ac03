// kagi/version.hpp: the library's version.
#ifndef KAGI_VERSION_HPP
#define KAGI_VERSION_HPP

#define KAGI_VERSION_MAJOR 0
#define KAGI_VERSION_MINOR 2
#define KAGI_VERSION_PATCH 0
#define KAGI_VERSION_STRING "0.2.0"

namespace kagi {
inline constexpr int version_major = KAGI_VERSION_MAJOR;
inline constexpr int version_minor = KAGI_VERSION_MINOR;
inline constexpr int version_patch = KAGI_VERSION_PATCH;
}  // namespace kagi

#endif  // KAGI_VERSION_HPP
