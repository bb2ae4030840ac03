// kagi.hpp: the single header. Includes every part of the library.
#ifndef KAGI_HPP
#define KAGI_HPP

#include "kagi/version.hpp"

#include "kagi/core/bytes.hpp"
#include "kagi/core/cpu.hpp"
#include "kagi/core/dispatch.hpp"
#include "kagi/core/ct.hpp"
#include "kagi/core/random.hpp"
#include "kagi/core/result.hpp"

#include "kagi/hash/hmac.hpp"
#include "kagi/hash/hmac_drbg.hpp"
#include "kagi/hash/sha256.hpp"
#include "kagi/hash/sha512.hpp"

#include "kagi/cipher/aes.hpp"
#include "kagi/cipher/gcm.hpp"

#include "kagi/encoding/der.hpp"
#include "kagi/encoding/der_writer.hpp"
#include "kagi/encoding/keys.hpp"
#include "kagi/encoding/pem.hpp"

#include "kagi/math/limbs.hpp"
#include "kagi/math/modinv.hpp"
#include "kagi/math/montgomery.hpp"
#include "kagi/math/primes.hpp"
#include "kagi/ec/p256.hpp"
#include "kagi/ec/ecdsa_p256.hpp"
#include "kagi/rsa/rsa.hpp"
#include "kagi/ec/x25519.hpp"

#include "kagi/x509/certificate.hpp"
#include "kagi/x509/name.hpp"
#include "kagi/x509/store.hpp"
#include "kagi/x509/verify.hpp"

#include "kagi/tls12/ecdhe.hpp"
#include "kagi/tls12/prf.hpp"
#include "kagi/tls12/record.hpp"
#include "kagi/tls12/codec.hpp"
#include "kagi/tls12/messages.hpp"
#include "kagi/tls12/transcript.hpp"
#include "kagi/tls12/keylog.hpp"
#include "kagi/tls12/engine.hpp"
#include "kagi/tls12/client.hpp"
#include "kagi/tls12/server.hpp"

#endif  // KAGI_HPP
