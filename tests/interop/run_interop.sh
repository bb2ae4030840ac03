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
#   - the client verifies every server certificate to the CA (--cafile ca.pem),
#     also through an intermediate CA the server sends (s_server -cert_chain,
#     tls12_server --cert with the chain), and pins one (--pin);
#   - refused by the client (exit 1, "not trusted"): a name the certificate
#     does not carry (and an IP address it does not list), a certificate of
#     another issuer, a leaf whose keyUsage does not allow the suite's use, a
#     pin that is not the server's certificate, and the system's trust store
#     (the throwaway CA is not in it).
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
# An intermediate CA under the CA, and a leaf it signs: the server sends both.
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca_ext.cnf
openssl req -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr -subj "/CN=kagi interop intermediate" \
  >/dev/null 2>&1 || fail "making the intermediate key"
openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out inter.pem -days 2 \
  -extfile ca_ext.cnf >/dev/null 2>&1 || fail "signing the intermediate"
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=localhost" \
  >/dev/null 2>&1 || fail "making the leaf key"
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -out leaf.pem -days 2 \
  -extfile ext.cnf >/dev/null 2>&1 || fail "signing the leaf"
cat leaf.pem inter.pem > chain.pem
# A leaf for RSA key transport only (keyUsage keyEncipherment): ECDHE_RSA must refuse it.
printf 'subjectAltName=DNS:localhost\nkeyUsage=critical,keyEncipherment\nextendedKeyUsage=serverAuth\n' > kt_ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out kt.pem -days 2 \
  -extfile kt_ext.cnf >/dev/null 2>&1 || fail "signing the key-transport certificate"
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
  out=$( (echo "kagi interop"; sleep 0.3) | timeout 20 "$client" --cafile ca.pem --server-name localhost \
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
  out=$( (echo "both kagi"; echo CLOSE) | timeout 20 "$client" --cafile ca.pem --server-name localhost \
    127.0.0.1 "$port" 2> client.err)
  rc=$?
  wait $spid
  src=$?
  [ $rc -eq 0 ] && [ $src -eq 0 ] || fail "kagi client -> kagi server ($suite): exits $rc and $src"
  [ "$out" = "both kagi
CLOSE" ] || fail "kagi client -> kagi server ($suite): got '$out'"
  pass "kagi client -> kagi server: $suite"
done

# ---- chains and pins that the client accepts
#   CERT KEY CLIENT-OPTIONS [s_server: the intermediate it sends]
for case in "chain.pem leaf.key --cafile=ca.pem kagi" "leaf.pem leaf.key --cafile=ca.pem inter.pem" \
            "server.pem server.key --pin=server.pem" "kt.pem server.key --cafile=ca.pem,--suite=rsa"; do
  set -- $case
  port=$((port + 1))
  rm -f server.err s_server.out
  if [ "${4:-}" = kagi ]; then
    "$server" --cert "$1" --key "$2" --once "$port" 2> server.err &
    spid=$!
    wait_for server.err listening || fail "kagi server did not start"
  else
    chain_opt=""
    [ -n "${4:-}" ] && chain_opt="-cert_chain $4"
    # shellcheck disable=SC2086
    openssl s_server -accept "127.0.0.1:$port" -naccept 1 -cert "$1" -key "$2" $chain_opt -tls1_2 -rev > s_server.out 2>&1 &
    spid=$!
    wait_for s_server.out ACCEPT || fail "s_server did not start"
  fi
  # The kagi server echoes and ends on CLOSE; s_server -rev answers each line reversed.
  if [ "${4:-}" = kagi ]; then input='trusted
CLOSE'; else input=trusted; fi
  # shellcheck disable=SC2046
  out=$( (echo "$input"; sleep 0.3) | timeout 20 "$client" $(echo "$3" | tr ',=' '  ') \
    --server-name localhost 127.0.0.1 "$port" 2> client.err)
  rc=$?
  wait $spid 2>/dev/null
  [ $rc -eq 0 ] || fail "client accepts $1 ($3): exit $rc"
  [ "$out" = "detsurt" ] || [ "$out" = "trusted
CLOSE" ] || fail "client accepts $1 ($3): got '$out'"
  pass "kagi client accepts $1 (${4:+sent with $4, }$3)"
done

# ---- refusals
#   CERT KEY CLIENT-OPTIONS (comma-separated; --trust=none: neither --cafile nor --pin)
for case in "server.pem server.key --cafile=ca.pem,--server-name=example.com" \
            "server.pem server.key --cafile=ca.pem" \
            "other.pem other.key --cafile=ca.pem,--server-name=localhost" \
            "kt.pem server.key --cafile=ca.pem,--server-name=localhost,--suite=ecdhe-rsa" \
            "server.pem server.key --pin=other.pem,--server-name=localhost" \
            "server.pem server.key --server-name=localhost"; do
  set -- $case
  port=$((port + 1))
  rm -f s_server.out
  openssl s_server -accept "127.0.0.1:$port" -naccept 1 -cert "$1" -key "$2" -tls1_2 -rev > s_server.out 2>&1 &
  spid=$!
  wait_for s_server.out ACCEPT || fail "s_server did not start"
  # shellcheck disable=SC2046
  echo hi | timeout 20 "$client" $(echo "$3" | tr ',=' '  ') 127.0.0.1 "$port" > /dev/null 2> client.err
  rc=$?
  wait $spid 2>/dev/null
  [ $rc -eq 1 ] || fail "refusal of $1 ($3): client exit $rc, expected 1"
  grep -q "not trusted" client.err || fail "refusal of $1 ($3): reason not given"
  grep -qi "alert" s_server.out || fail "refusal of $1 ($3): s_server saw no alert"
  pass "kagi client refuses $1 ($3): $(cat client.err)"
done
echo "interop: all cases passed"
