#!/bin/sh
# tests/x509/make_chains.sh DIR: makes the certificate chains test_x509_chains
# checks, with the openssl command, in DIR (a fresh temporary directory), and
# writes DIR/cases.txt, one case a line:
#
#   name|chain files, leaf first|anchor files|pool files|host|attime|usage|expect
#
# chain: what the server sends; anchors: the trust store (openssl -CAfile);
# pool: more untrusted intermediates (with the chain's others: -untrusted);
# host: a DNS name or an IP literal (openssl -verify_hostname / -verify_ip);
# attime: the verification time (unix seconds; openssl -attime); usage: what
# the leaf's key is for (ds: digitalSignature, ke: keyEncipherment, any);
# expect: "agree" (kagi and `openssl verify -x509_strict -purpose sslserver`
# must give the same verdict, and the same reason where the codes map), or
# "kagi=<errc>" where kagi refuses on purpose what OpenSSL may accept (the
# test checks kagi's code and prints OpenSSL's verdict).
#
# Keys are made once and reused; certificates are valid from the time this
# runs (openssl x509 -days), so "expired" and "not yet valid" are made by
# moving attime.
set -eu
dir=$1
cd "$dir"
now=$(date +%s)
t=$((now + 3600))            # an hour after issuance: everything valid
after2d=$((now + 2 * 86400))  # past a 1-day certificate's notAfter
before=$((now - 86400))       # before every notBefore

key() {  # key NAME rsa|rsa3072|p256|p384
  case $2 in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null ;;
    rsa3072) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$1.key" 2>/dev/null ;;
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
    p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key" ;;
  esac
}

serial=1000
# cert NAME KEY SUBJECT ISSUER DAYS EXTENSIONS [openssl x509 options...]
#   ISSUER: the issuing certificate's name (NAME.pem, key KEY of it in
#   NAME.keyname), or "self". EXTENSIONS: extension lines separated by '#'.
cert() {
  name=$1 k=$2 subj=$3 issuer=$4 days=$5 exts=$6
  shift 6
  serial=$((serial + 1))
  printf '%s\n' "$exts" | tr '#' '\n' > "$name.ext"
  openssl req -new -key "$k.key" -subj "$subj" -out "$name.csr" 2>/dev/null
  if [ "$issuer" = self ]; then
    openssl x509 -req -in "$name.csr" -signkey "$k.key" -days "$days" -set_serial $serial \
      -extfile "$name.ext" -out "$name.pem" "$@" 2>"$name.err" || { cat "$name.err" >&2; exit 1; }
  else
    openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$(cat "$issuer.keyname").key" -days "$days" \
      -set_serial $serial -extfile "$name.ext" -out "$name.pem" "$@" 2>"$name.err" || { cat "$name.err" >&2; exit 1; }
  fi
  echo "$k" > "$name.keyname"
}

case_() { echo "$1|$2|$3|$4|$5|$6|$7|$8" >> cases.txt; }

: > cases.txt
key rroot rsa; key rint rsa; key rleaf rsa; key rother rsa; key rint2 rsa
key eroot p256; key eint p256; key eleaf p256; key p384root p384

CA='basicConstraints=critical,CA:TRUE#keyUsage=critical,keyCertSign,cRLSign#subjectKeyIdentifier=hash'
INT="$CA#authorityKeyIdentifier=keyid"
LEAFBASE='basicConstraints=critical,CA:FALSE#keyUsage=critical,digitalSignature,keyEncipherment#extendedKeyUsage=serverAuth#subjectKeyIdentifier=hash#authorityKeyIdentifier=keyid'
LEAF="$LEAFBASE#subjectAltName=DNS:www.example.com,DNS:api.example.com"

# ---- RSA: root -> intermediate -> leaf
cert root rroot "/CN=kagi test RSA root" self 3650 "$CA"
cert int rint "/CN=kagi test RSA intermediate" root 3650 "$INT"
cert leaf rleaf "/CN=www.example.com" int 365 "$LEAF"
case_ rsa_ok "leaf.pem int.pem" root.pem "" www.example.com $t ds agree
case_ rsa_ok_second_name "leaf.pem int.pem" root.pem "" API.Example.COM $t ds agree
case_ rsa_ok_key_encipherment "leaf.pem int.pem" root.pem "" www.example.com $t ke agree
case_ rsa_ok_root_sent_too "leaf.pem int.pem root.pem" root.pem "" www.example.com $t ds agree
case_ rsa_ok_intermediate_from_pool "leaf.pem" root.pem int.pem www.example.com $t ds agree
case_ rsa_wrong_name "leaf.pem int.pem" root.pem "" mail.example.com $t ds agree
case_ rsa_wrong_name_parent "leaf.pem int.pem" root.pem "" example.com $t ds agree
case_ rsa_no_intermediate "leaf.pem" root.pem "" www.example.com $t ds agree
case_ rsa_leaf_not_yet_valid "leaf.pem int.pem" root.pem "" www.example.com $before ds agree
case_ rsa_anchor_is_intermediate "leaf.pem" int.pem "" www.example.com $t ds kagi=ok

# An unrelated root with the same name: the signature decides.
cert fakeroot rother "/CN=kagi test RSA root" self 3650 "$CA"
case_ rsa_unknown_issuer "leaf.pem int.pem" fakeroot.pem "" www.example.com $t ds agree
cert otherroot rother "/CN=kagi test other root" self 3650 "$CA"
case_ rsa_other_root "leaf.pem int.pem" otherroot.pem "" www.example.com $t ds agree

# Expiry: a 1-day leaf, a 1-day intermediate.
cert leaf1d rleaf "/CN=www.example.com" int 1 "$LEAF"
case_ rsa_leaf_expired "leaf1d.pem int.pem" root.pem "" www.example.com $after2d ds agree
case_ rsa_leaf_1d_valid "leaf1d.pem int.pem" root.pem "" www.example.com $t ds agree
cert int1d rint "/CN=kagi test RSA intermediate" root 1 "$INT"
case_ rsa_intermediate_expired "leaf.pem int1d.pem" root.pem "" www.example.com $after2d ds agree
# The same intermediate (name and key) issued again for longer: a path around the expired one.
case_ rsa_expired_intermediate_bypassed "leaf.pem int1d.pem int.pem" root.pem "" www.example.com $after2d ds agree

# Two intermediates with one name and different keys: the key identifiers
# (and the signature) pick the right one.
cert intwrongkey rint2 "/CN=kagi test RSA intermediate" root 3650 "$INT"
case_ rsa_same_name_other_key_first "leaf.pem intwrongkey.pem int.pem" root.pem "" www.example.com $t ds agree
cert intwrongkey_noid rint2 "/CN=kagi test RSA intermediate" root 3650 "$CA" -ext basicConstraints
case_ rsa_same_name_other_key_no_ids "leaf.pem intwrongkey.pem int.pem" root.pem "" www.example.com $t ds agree

# Wildcards.
cert wild rleaf "/CN=wild" int 365 "$LEAFBASE#subjectAltName=DNS:*.example.com"
case_ wildcard_one_label "wild.pem int.pem" root.pem "" a.example.com $t ds agree
case_ wildcard_not_parent "wild.pem int.pem" root.pem "" example.com $t ds agree
case_ wildcard_not_two_labels "wild.pem int.pem" root.pem "" a.b.example.com $t ds agree
cert wildpartial rleaf "/CN=wildpartial" int 365 "$LEAFBASE#subjectAltName=DNS:f*.example.com"
case_ wildcard_partial_label "wildpartial.pem int.pem" root.pem "" foo.example.com $t ds kagi=x509_name_mismatch
cert wildtld rleaf "/CN=wildtld" int 365 "$LEAFBASE#subjectAltName=DNS:*.com"
case_ wildcard_two_label_pattern "wildtld.pem int.pem" root.pem "" example.com $t ds agree
cert wildmid rleaf "/CN=wildmid" int 365 "$LEAFBASE#subjectAltName=DNS:www.*.example.com"
case_ wildcard_not_leftmost "wildmid.pem int.pem" root.pem "" www.a.example.com $t ds agree

# IP addresses.
cert ipleaf rleaf "/CN=ip" int 365 "$LEAFBASE#subjectAltName=IP:192.0.2.7,IP:2001:db8::7,DNS:198.51.100.1"
case_ ip_v4 "ipleaf.pem int.pem" root.pem "" 192.0.2.7 $t ds agree
case_ ip_v6 "ipleaf.pem int.pem" root.pem "" 2001:db8:0:0::7 $t ds agree
case_ ip_v4_other "ipleaf.pem int.pem" root.pem "" 192.0.2.8 $t ds agree
case_ ip_only_against_ip_entries "ipleaf.pem int.pem" root.pem "" 198.51.100.1 $t ds agree

# No subjectAltName: OpenSSL falls back to the CN, kagi does not.
cert cnonly rleaf "/CN=www.example.com" int 365 "$LEAFBASE"
case_ cn_only_no_san "cnonly.pem int.pem" root.pem "" www.example.com $t ds kagi=x509_name_mismatch

# CA flags and path lengths.
cert intnotca rint "/CN=kagi test not a CA" root 3650 "basicConstraints=critical,CA:FALSE#keyUsage=critical,keyCertSign#subjectKeyIdentifier=hash#authorityKeyIdentifier=keyid"
cert leafnotca rleaf "/CN=www.example.com" intnotca 365 "$LEAF"
case_ intermediate_ca_false "leafnotca.pem intnotca.pem" root.pem "" www.example.com $t ds agree
cert intnobc rint "/CN=kagi test no basic constraints" root 3650 "keyUsage=critical,keyCertSign#subjectKeyIdentifier=hash#authorityKeyIdentifier=keyid"
cert leafnobc rleaf "/CN=www.example.com" intnobc 365 "$LEAF"
case_ intermediate_no_basic_constraints "leafnobc.pem intnobc.pem" root.pem "" www.example.com $t ds agree
cert rootpl0 rroot "/CN=kagi test root pathlen 0" self 3650 "basicConstraints=critical,CA:TRUE,pathlen:0#keyUsage=critical,keyCertSign,cRLSign#subjectKeyIdentifier=hash"
cert intpl rint "/CN=kagi test int under pathlen 0" rootpl0 3650 "$INT"
cert leafpl rleaf "/CN=www.example.com" intpl 365 "$LEAF"
case_ root_pathlen0_exceeded "leafpl.pem intpl.pem" rootpl0.pem "" www.example.com $t ds agree
cert leafdirect rleaf "/CN=www.example.com" rootpl0 365 "$LEAF"
case_ root_pathlen0_direct_leaf "leafdirect.pem" rootpl0.pem "" www.example.com $t ds agree
cert intpl0 rint "/CN=kagi test int pathlen 0" root 3650 "basicConstraints=critical,CA:TRUE,pathlen:0#keyUsage=critical,keyCertSign,cRLSign#subjectKeyIdentifier=hash#authorityKeyIdentifier=keyid"
cert int2 rint2 "/CN=kagi test second int" intpl0 3650 "$INT"
cert leaf2 rleaf "/CN=www.example.com" int2 365 "$LEAF"
case_ intermediate_pathlen0_exceeded "leaf2.pem int2.pem intpl0.pem" root.pem "" www.example.com $t ds agree
cert intpl1 rint "/CN=kagi test int pathlen 1" root 3650 "basicConstraints=critical,CA:TRUE,pathlen:1#keyUsage=critical,keyCertSign,cRLSign#subjectKeyIdentifier=hash#authorityKeyIdentifier=keyid"
cert int2b rint2 "/CN=kagi test second int b" intpl1 3650 "$INT"
cert leaf2b rleaf "/CN=www.example.com" int2b 365 "$LEAF"
case_ intermediate_pathlen1_ok "leaf2b.pem int2b.pem intpl1.pem" root.pem "" www.example.com $t ds agree

# A long chain: seven intermediates (nine certificates) against kagi's 8 and openssl -verify_depth 6.
prev=root
for i in 1 2 3 4 5 6 7; do
  cert "deep$i" rint "/CN=kagi test deep $i" $prev 3650 "$INT"
  prev="deep$i"
done
cert leafdeep rleaf "/CN=www.example.com" deep7 365 "$LEAF"
case_ chain_too_long "leafdeep.pem deep7.pem deep6.pem deep5.pem deep4.pem deep3.pem deep2.pem deep1.pem" root.pem "" www.example.com $t ds agree
cert leafdeep6 rleaf "/CN=www.example.com" deep6 365 "$LEAF"
case_ chain_longest_allowed "leafdeep6.pem deep6.pem deep5.pem deep4.pem deep3.pem deep2.pem deep1.pem" root.pem "" www.example.com $t ds agree

# Key usage.
cert leafkucs rleaf "/CN=www.example.com" int 365 "basicConstraints=critical,CA:FALSE#keyUsage=critical,keyCertSign#extendedKeyUsage=serverAuth#subjectKeyIdentifier=hash#authorityKeyIdentifier=keyid#subjectAltName=DNS:www.example.com"
case_ leaf_key_usage_cert_sign_only "leafkucs.pem int.pem" root.pem "" www.example.com $t ds agree
cert leafkuds rleaf "/CN=www.example.com" int 365 "basicConstraints=critical,CA:FALSE#keyUsage=critical,digitalSignature#extendedKeyUsage=serverAuth#subjectKeyIdentifier=hash#authorityKeyIdentifier=keyid#subjectAltName=DNS:www.example.com"
case_ leaf_digital_signature_for_ecdhe "leafkuds.pem int.pem" root.pem "" www.example.com $t ds agree
case_ leaf_digital_signature_for_rsa_kx "leafkuds.pem int.pem" root.pem "" www.example.com $t ke kagi=x509_bad_key_usage
cert leafeku rleaf "/CN=www.example.com" int 365 "basicConstraints=critical,CA:FALSE#keyUsage=critical,digitalSignature#extendedKeyUsage=clientAuth#subjectKeyIdentifier=hash#authorityKeyIdentifier=keyid#subjectAltName=DNS:www.example.com"
case_ leaf_eku_client_only "leafeku.pem int.pem" root.pem "" www.example.com $t ds agree
cert intku rint "/CN=kagi test int no certsign" root 3650 "basicConstraints=critical,CA:TRUE#keyUsage=critical,digitalSignature,cRLSign#subjectKeyIdentifier=hash#authorityKeyIdentifier=keyid"
cert leafintku rleaf "/CN=www.example.com" intku 365 "$LEAF"
case_ intermediate_no_cert_sign "leafintku.pem intku.pem" root.pem "" www.example.com $t ds agree
cert inteku rint "/CN=kagi test int client eku" root 3650 "$INT#extendedKeyUsage=clientAuth"
cert leafinteku rleaf "/CN=www.example.com" inteku 365 "$LEAF"
case_ intermediate_eku_client_only "leafinteku.pem inteku.pem" root.pem "" www.example.com $t ds agree
cert intekusa rint "/CN=kagi test int server eku" root 3650 "$INT#extendedKeyUsage=serverAuth,clientAuth"
cert leafintekusa rleaf "/CN=www.example.com" intekusa 365 "$LEAF"
case_ intermediate_eku_server "leafintekusa.pem intekusa.pem" root.pem "" www.example.com $t ds agree

# Unknown critical extensions (1.3.6.1.4.1.55555.1: not one anyone processes).
cert leafcrit rleaf "/CN=www.example.com" int 365 "$LEAF#1.3.6.1.4.1.55555.1=critical,ASN1:NULL"
case_ leaf_unknown_critical "leafcrit.pem int.pem" root.pem "" www.example.com $t ds agree
cert leafnoncrit rleaf "/CN=www.example.com" int 365 "$LEAF#1.3.6.1.4.1.55555.1=ASN1:NULL"
case_ leaf_unknown_noncritical "leafnoncrit.pem int.pem" root.pem "" www.example.com $t ds agree
cert intcrit rint "/CN=kagi test int critical" root 3650 "$INT#1.3.6.1.4.1.55555.1=critical,ASN1:NULL"
cert leafintcrit rleaf "/CN=www.example.com" intcrit 365 "$LEAF"
case_ intermediate_unknown_critical "leafintcrit.pem intcrit.pem" root.pem "" www.example.com $t ds agree

# Name constraints.
cert intnc rint "/CN=kagi test int constrained" root 3650 "$INT#nameConstraints=critical,permitted;DNS:example.com,excluded;DNS:bad.example.com"
cert leafncok rleaf "/CN=www.example.com" intnc 365 "$LEAF"
case_ name_constraints_permitted "leafncok.pem intnc.pem" root.pem "" www.example.com $t ds agree
cert leafncout rleaf "/CN=www.example.org" intnc 365 "$LEAFBASE#subjectAltName=DNS:www.example.org"
case_ name_constraints_outside_permitted "leafncout.pem intnc.pem" root.pem "" www.example.org $t ds agree
cert leafncmix rleaf "/CN=www.example.com" intnc 365 "$LEAFBASE#subjectAltName=DNS:www.example.com,DNS:evil.example.net"
case_ name_constraints_second_san_outside "leafncmix.pem intnc.pem" root.pem "" www.example.com $t ds agree
cert leafncex rleaf "/CN=bad.example.com" intnc 365 "$LEAFBASE#subjectAltName=DNS:bad.example.com"
case_ name_constraints_excluded "leafncex.pem intnc.pem" root.pem "" bad.example.com $t ds agree
cert leafncexsub rleaf "/CN=x.bad.example.com" intnc 365 "$LEAFBASE#subjectAltName=DNS:x.bad.example.com"
case_ name_constraints_excluded_subdomain "leafncexsub.pem intnc.pem" root.pem "" x.bad.example.com $t ds agree
cert intncip rint "/CN=kagi test int ip constrained" root 3650 "$INT#nameConstraints=critical,permitted;IP:192.0.2.0/255.255.255.0,permitted;DNS:example.com"
cert leafncip rleaf "/CN=ip" intncip 365 "$LEAFBASE#subjectAltName=IP:192.0.2.7"
case_ name_constraints_ip_permitted "leafncip.pem intncip.pem" root.pem "" 192.0.2.7 $t ds agree
cert leafncipout rleaf "/CN=ip" intncip 365 "$LEAFBASE#subjectAltName=IP:198.51.100.7"
case_ name_constraints_ip_outside "leafncipout.pem intncip.pem" root.pem "" 198.51.100.7 $t ds agree

# A bad signature: the last byte of the leaf's signature flipped.
openssl x509 -in leaf.pem -outform DER -out leaf.der
size=$(wc -c < leaf.der)
head -c $((size - 1)) leaf.der > badsig.der
last=$(tail -c 1 leaf.der | od -An -tu1 | tr -d ' ')
printf "\\$(printf '%03o' $(( (last ^ 1) & 255 )))" >> badsig.der
openssl x509 -inform DER -in badsig.der -out badsig.pem
case_ bad_signature "badsig.pem int.pem" root.pem "" www.example.com $t ds agree

# Self-signed server certificate given as the trust store.
cert selfleaf rleaf "/CN=www.example.com" self 365 "basicConstraints=critical,CA:FALSE#keyUsage=critical,digitalSignature,keyEncipherment#extendedKeyUsage=serverAuth#subjectKeyIdentifier=hash#subjectAltName=DNS:www.example.com"
case_ self_signed_leaf_as_store "selfleaf.pem" selfleaf.pem "" www.example.com $t ds agree
case_ self_signed_leaf_untrusted "selfleaf.pem" root.pem "" www.example.com $t ds agree

# ---- P-256 and mixed chains, SHA-384 and PSS links.
cert eroot eroot "/CN=kagi test P-256 root" self 3650 "$CA"
cert eint eint "/CN=kagi test P-256 intermediate" eroot 3650 "$INT"
cert eleaf eleaf "/CN=www.example.com" eint 365 "$LEAF"
case_ p256_ok "eleaf.pem eint.pem" eroot.pem "" www.example.com $t ds agree
case_ p256_wrong_name "eleaf.pem eint.pem" eroot.pem "" www.example.net $t ds agree
cert eint384 eint "/CN=kagi test P-256 intermediate sha384" eroot 3650 "$INT" -sha384
cert eleaf384 eleaf "/CN=www.example.com" eint384 365 "$LEAF" -sha384
case_ p256_sha384_links "eleaf384.pem eint384.pem" eroot.pem "" www.example.com $t ds agree
cert mint eint "/CN=kagi test P-256 int under RSA" root 3650 "$INT"
cert mleaf eleaf "/CN=www.example.com" mint 365 "$LEAF"
case_ mixed_rsa_root_p256_leaf "mleaf.pem mint.pem" root.pem "" www.example.com $t ds agree
cert mint2 rint "/CN=kagi test RSA int under P-256" eroot 3650 "$INT"
cert mleaf2 rleaf "/CN=www.example.com" mint2 365 "$LEAF"
case_ mixed_p256_root_rsa_leaf "mleaf2.pem mint2.pem" eroot.pem "" www.example.com $t ds agree

cert int384 rint "/CN=kagi test RSA int sha384" root 3650 "$INT" -sha384
cert leaf512 rleaf "/CN=www.example.com" int384 365 "$LEAF" -sha512
case_ rsa_sha384_and_sha512_links "leaf512.pem int384.pem" root.pem "" www.example.com $t ds agree
cert intpss rint "/CN=kagi test RSA int PSS" root 3650 "$INT" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
cert leafpss rleaf "/CN=www.example.com" intpss 365 "$LEAF" -sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
case_ rsa_pss_links "leafpss.pem intpss.pem" root.pem "" www.example.com $t ds agree
cert leafpss512 rleaf "/CN=www.example.com" intpss 365 "$LEAF" -sha512 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
case_ rsa_pss_sha512 "leafpss512.pem intpss.pem" root.pem "" www.example.com $t ds agree
cert leafpss20 rleaf "/CN=www.example.com" intpss 365 "$LEAF" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:20
case_ rsa_pss_salt_20 "leafpss20.pem intpss.pem" root.pem "" www.example.com $t ds kagi=x509_unsupported_algorithm
cert leafsha1 rleaf "/CN=www.example.com" int 365 "$LEAF" -sha1
case_ rsa_sha1_signature "leafsha1.pem int.pem" root.pem "" www.example.com $t ds kagi=x509_unsupported_algorithm

# P-384 keys: parsed, but kagi does not verify with them.
cert p384root p384root "/CN=kagi test P-384 root" self 3650 "$CA" -sha384
cert p384int rint "/CN=kagi test RSA int under P-384" p384root 3650 "$INT" -sha384
cert p384leaf rleaf "/CN=www.example.com" p384int 365 "$LEAF"
case_ p384_root "p384leaf.pem p384int.pem" p384root.pem "" www.example.com $t ds kagi=x509_unsupported_algorithm

# A v1 root (no extensions) as the anchor.
openssl req -new -key rother.key -subj "/CN=kagi test v1 root" -out v1root.csr 2>/dev/null
openssl x509 -req -in v1root.csr -signkey rother.key -days 3650 -set_serial 77 -out v1root.pem 2>/dev/null
echo rother > v1root.keyname
cert v1int rint "/CN=kagi test int under v1" v1root 3650 "$CA#authorityKeyIdentifier=issuer:always"
cert v1leaf rleaf "/CN=www.example.com" v1int 365 "$LEAF"
case_ v1_root_anchor "v1leaf.pem v1int.pem" v1root.pem "" www.example.com $t ds kagi=ok
