// kagi/rsa/rsa.hpp: everything of RSA in one include: the keys and their
// operations (keys.hpp) and the PKCS#1 encodings (padding.hpp).
#ifndef KAGI_RSA_RSA_HPP
#define KAGI_RSA_RSA_HPP

#include "keys.hpp"
#include "padding.hpp"

#endif  // KAGI_RSA_RSA_HPP
