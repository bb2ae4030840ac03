# Cross-compiling kagi's tests for AArch64 (Debian: g++-aarch64-linux-gnu, qemu-user), so the
# portable paths and the tests are checked on a CPU with none of the x86 kernels:
#
#   cmake -S . -B build/aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DKAGI_OPENSSL=OFF -DKAGI_CT_TESTS=OFF -DKAGI_BUILD_BENCH=OFF -DKAGI_BUILD_EXAMPLES=OFF
#   cmake --build build/aarch64 && (cd build/aarch64 && ctest -L unit)
#
# CTest runs each test program under qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
# The target's libraries come from the cross toolchain; the header-only test
# dependencies (doctest, nlohmann_json) from the build machine's packages.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
