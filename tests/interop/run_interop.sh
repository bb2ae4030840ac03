#!/bin/sh
# Interoperability of kagi's TLS 1.2 examples with OpenSSL (label interop):
#
#   run_interop.sh CLIENT SERVER WORKDIR
#
# Makes a throwaway CA and a server certificate (CN=localhost) with the
# openssl command, then on 127.0.0.1:
#   - kagi's tls12_client against openssl s_server: every suite and group,
#     PSS and PKCS#1 v1.5 ServerKeyExchange signatures; the client's key log
#     line must equal s_server's -keylogfile line;
#   - openssl s_client against kagi's tls12_server, the same combinations
#     (s_client offers TLS 1.3 too: the server must answer with TLS 1.2);
#   - tls12_client against tls12_server;
#   - a certificate that is not the pinned one, and no pinned certificate at
#     all, refused by the client (exit 1, "not trusted").
# Prints each case and fails on the first that does not hold.
set -u
client=$1
server=$2
work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
port=$((20000 + $$ % 20000))
fail() {
  echo "FAIL: $*"
  for f in *.err *.out; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
  [ -n "${spid:-}" ] && kill "$spid" 2>/dev/null
  exit 1
}
pass() { echo "ok:   $*"; }

# ---- throwaway PKI: a CA, a server certificate it signs, and an unrelated one
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=kagi interop CA" \
  >/dev/null 2>&1 || fail "making the CA"
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" \
  >/dev/null 2>&1 || fail "making the server key"
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
  -extfile ext.cnf >/dev/null 2>&1 || fail "signing the server certificate"
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 -subj "/CN=localhost" \
  >/dev/null 2>&1 || fail "making the unrelated certificate"
# A P-256 server certificate for the ECDHE_ECDSA suites, signed by the same CA.
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ecdsa.key -out ecdsa.csr -subj "/CN=localhost" \
  >/dev/null 2>&1 || fail "making the P-256 key"
openssl x509 -req -in ecdsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out ecdsa.pem -days 2 \
  -extfile ext.cnf >/dev/null 2>&1 || fail "signing the P-256 certificate"

# Waits until a log file says the server listens.
wait_for() {  # wait_for FILE TEXT
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && return 1
    sleep 0.1
  done
  return 0
}

# The master secret a key log file holds for its last CLIENT_RANDOM line.
keylog_line() { grep '^CLIENT_RANDOM ' "$1" | tail -n 1; }

# ---- kagi client -> openssl s_server
for case in "ECDHE-RSA-AES128-GCM-SHA256 x25519 RSA-PSS+SHA256" "ECDHE-RSA-AES128-GCM-SHA256 p256 RSA-PSS+SHA256" \
            "ECDHE-RSA-AES128-GCM-SHA256 x25519 RSA+SHA256" "ECDHE-RSA-AES128-GCM-SHA256 p256 RSA+SHA256" \
            "ECDHE-RSA-AES256-GCM-SHA384 x25519 RSA-PSS+SHA384" "ECDHE-RSA-AES256-GCM-SHA384 p256 RSA+SHA512" \
            "ECDHE-RSA-AES128-GCM-SHA256 x25519 RSA-PSS+SHA512" "AES128-GCM-SHA256 x25519 RSA-PSS+SHA256" \
            "AES256-GCM-SHA384 p256 RSA+SHA256" "ECDHE-ECDSA-AES128-GCM-SHA256 x25519 ECDSA+SHA256" \
            "ECDHE-ECDSA-AES256-GCM-SHA384 p256 ECDSA+SHA384" "ECDHE-ECDSA-AES128-GCM-SHA256 p256 ECDSA+SHA512"; do
  set -- $case
  cert=server.pem key=server.key
  case "$1" in ECDHE-ECDSA*) cert=ecdsa.pem key=ecdsa.key ;; esac
  port=$((port + 1))
  rm -f s.keylog c.keylog s_server.out
  openssl s_server -accept "127.0.0.1:$port" -naccept 1 -cert "$cert" -key "$key" -tls1_2 -rev \
    -sigalgs "$3" -keylogfile s.keylog > s_server.out 2>&1 &
  spid=$!
  wait_for s_server.out ACCEPT || fail "s_server did not start"
  out=$( (echo "kagi interop"; sleep 0.3) | timeout 20 "$client" --cafile "$cert" --server-name localhost \
    --suite "$1" --group "$2" --keylog c.keylog --verbose 127.0.0.1 "$port" 2> client.err)
  rc=$?
  wait $spid 2>/dev/null
  [ $rc -eq 0 ] || fail "kagi client -> s_server ($case): exit $rc"
  [ "$out" = "poretni igak" ] || fail "kagi client -> s_server ($case): got '$out'"
  [ -n "$(keylog_line c.keylog)" ] && [ "$(keylog_line c.keylog)" = "$(keylog_line s.keylog)" ] ||
    fail "kagi client -> s_server ($case): key log lines differ"
  grep -q "suite *TLS_$(echo "$1" | sed 's/^AES/RSA_WITH_AES/; s/^ECDHE-RSA-/ECDHE_RSA_WITH_/; s/^ECDHE-ECDSA-/ECDHE_ECDSA_WITH_/; s/-/_/g; s/AES128/AES_128/; s/AES256/AES_256/')" client.err ||
    fail "kagi client -> s_server ($case): not the suite asked for"
  case "$1" in ECDHE*)
    want=$(echo "$3" | sed 's/^RSA-PSS+SHA/rsa_pss_rsae_sha/; s/^RSA+SHA/rsa_pkcs1_sha/; s/^ECDSA+SHA256/ecdsa_secp256r1_sha256/; s/^ECDSA+SHA384/ecdsa_secp384r1_sha384/; s/^ECDSA+SHA512/ecdsa_secp521r1_sha512/')
    grep -q "signature *$want" client.err || fail "kagi client -> s_server ($case): signature not $want"
    g=x25519
    [ "$2" = p256 ] && g=secp256r1
    grep -q "group *$g" client.err || fail "kagi client -> s_server ($case): group not $g"
  esac
  pass "kagi client -> openssl s_server: $case"
done

# ---- openssl s_client -> kagi server (an ECDSA certificate's curve, P-256, must be among the client's
# groups in TLS 1.2: RFC 8422 5.1.1)
for case in "ECDHE-RSA-AES128-GCM-SHA256 X25519 RSA-PSS+SHA256" "ECDHE-RSA-AES128-GCM-SHA256 P-256 RSA+SHA256" \
            "ECDHE-RSA-AES256-GCM-SHA384 X25519 RSA-PSS+SHA384" "ECDHE-RSA-AES256-GCM-SHA384 P-256 RSA+SHA512" \
            "AES128-GCM-SHA256 X25519 RSA-PSS+SHA256" "AES256-GCM-SHA384 X25519 RSA-PSS+SHA256" \
            "ALL X25519 RSA-PSS+SHA256" "ECDHE-ECDSA-AES128-GCM-SHA256 X25519:P-256 ECDSA+SHA256" \
            "ECDHE-ECDSA-AES256-GCM-SHA384 P-256 ECDSA+SHA384" "ALL P-256 ECDSA+SHA512"; do
  set -- $case
  port=$((port + 1))
  rm -f s.keylog c.keylog server.err
  cert=server.pem key=server.key
  case "$3" in ECDSA*) cert=ecdsa.pem key=ecdsa.key ;; esac
  "$server" --cert "$cert" --key "$key" --once --verbose --keylog s.keylog "$port" 2> server.err &
  spid=$!
  wait_for server.err listening || fail "kagi server did not start"
  if [ "$1" = ALL ]; then cipher_opt=""; else cipher_opt="-cipher $1 -tls1_2"; fi
  # shellcheck disable=SC2086
  out=$( (echo "kagi interop"; sleep 0.3; echo CLOSE; sleep 0.3) | timeout 20 openssl s_client \
    -connect "127.0.0.1:$port" -servername localhost -CAfile ca.pem -verify_return_error $cipher_opt -groups "$2" \
    -sigalgs "$3" -keylogfile c.keylog -quiet 2> s_client.err)
  rc=$?
  wait $spid
  src=$?
  [ $rc -eq 0 ] || fail "s_client -> kagi server ($case): s_client exit $rc"
  [ $src -eq 0 ] || fail "s_client -> kagi server ($case): kagi server exit $src"
  [ "$out" = "kagi interop
CLOSE" ] || fail "s_client -> kagi server ($case): got '$out'"
  [ -n "$(keylog_line c.keylog)" ] && [ "$(keylog_line c.keylog)" = "$(keylog_line s.keylog)" ] ||
    fail "s_client -> kagi server ($case): key log lines differ"
  grep -q "suite *TLS_" server.err || fail "s_client -> kagi server ($case): no suite printed"
  case "$1$3" in ECDHE*|ALL*ECDSA*)
    want=$(echo "$3" | sed 's/^RSA-PSS+SHA/rsa_pss_rsae_sha/; s/^RSA+SHA/rsa_pkcs1_sha/; s/^ECDSA+SHA256/ecdsa_secp256r1_sha256/; s/^ECDSA+SHA384/ecdsa_secp384r1_sha384/; s/^ECDSA+SHA512/ecdsa_secp521r1_sha512/')
    grep -q "signature *$want" server.err || fail "s_client -> kagi server ($case): signature not $want"
  esac
  pass "openssl s_client -> kagi server: $case"
done

# ---- kagi client -> kagi server
for suite in ecdhe-rsa rsa ecdhe-ecdsa; do
  port=$((port + 1))
  rm -f server.err
  cert=server.pem key=server.key
  [ "$suite" = ecdhe-ecdsa ] && cert=ecdsa.pem key=ecdsa.key
  "$server" --cert "$cert" --key "$key" --once --suite "$suite" "$port" 2> server.err &
  spid=$!
  wait_for server.err listening || fail "kagi server did not start"
  out=$( (echo "both kagi"; echo CLOSE) | timeout 20 "$client" --cafile "$cert" 127.0.0.1 "$port" 2> client.err)
  rc=$?
  wait $spid
  src=$?
  [ $rc -eq 0 ] && [ $src -eq 0 ] || fail "kagi client -> kagi server ($suite): exits $rc and $src"
  [ "$out" = "both kagi
CLOSE" ] || fail "kagi client -> kagi server ($suite): got '$out'"
  pass "kagi client -> kagi server: $suite"
done

# ---- refusals: a certificate that is not the pinned one, and none pinned
for pin in other.pem ""; do
  port=$((port + 1))
  rm -f s_server.out
  openssl s_server -accept "127.0.0.1:$port" -naccept 1 -cert server.pem -key server.key -tls1_2 -rev > s_server.out 2>&1 &
  spid=$!
  wait_for s_server.out ACCEPT || fail "s_server did not start"
  if [ -n "$pin" ]; then pin_opt="--cafile $pin"; else pin_opt=""; fi
  # shellcheck disable=SC2086
  echo hi | timeout 20 "$client" $pin_opt 127.0.0.1 "$port" > /dev/null 2> client.err
  rc=$?
  wait $spid 2>/dev/null
  [ $rc -eq 1 ] || fail "pinned '${pin:-none}': client exit $rc, expected 1"
  grep -q "not trusted" client.err || fail "pinned '${pin:-none}': reason not given"
  grep -qi "bad certificate\|alert" s_server.out || fail "pinned '${pin:-none}': s_server saw no alert"
  pass "kagi client refuses a certificate it does not trust (pinned: ${pin:-none})"
done
echo "interop: all cases passed"
