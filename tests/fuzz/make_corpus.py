#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (where each came from).

    python3 tests/fuzz/make_corpus.py build/fuzz/tests/fuzz/kagi_fuzz

Sources: the captured OpenSSL sessions and the throwaway key and certificate
of tests/vectors/tls12_capture (handshake messages, records, DER and PEM; the
SubjectPublicKeyInfo and PKCS#1 forms of the key come from `openssl pkey`/`rsa`),
the RFC 7748 and NIST vectors (inputs of the differential targets), and the
seeds kagi_fuzz makes itself (KAGI_FUZZ_WRITE_SEEDS: in-memory handshakes
recorded from both sides, sealed records). Inputs that fuzzing found worth
keeping are merged in afterwards with libFuzzer's -merge=1 (files named by
their SHA-1), regression inputs are named regress-<what>.

FuzzedDataProvider (most targets) takes integers from the END of the input
and byte strings from the front: seeds put their mode bytes last.
"""
import hashlib
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VEC = os.path.join(ROOT, "tests", "vectors")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def capture():
    """The two captured sessions: {section: {name: bytes}}."""
    sections, cur = {}, None
    for line in open(os.path.join(VEC, "tls12_capture", "openssl_capture.txt")):
        line = line.strip()
        if line.startswith("["):
            cur = line.strip("[]")
            sections[cur] = {}
        elif "=" in line and cur and not line.startswith("#"):
            k, v = (x.strip() for x in line.split("=", 1))
            if re.fullmatch(r"[0-9a-f]*", v):
                sections[cur][k] = bytes.fromhex(v)
    return sections


def der_of(args, pem_file):
    return subprocess.run(["openssl"] + args + ["-in", pem_file, "-outform", "DER"], check=True,
                          capture_output=True).stdout


def main():
    kagi_fuzz = sys.argv[1] if len(sys.argv) > 1 else None
    cap = capture()
    key_pem_file = os.path.join(VEC, "tls12_capture", "openssl_capture_key.pem")
    cert_pem_file = os.path.join(VEC, "tls12_capture", "openssl_capture_cert.pem")
    key_pem = open(key_pem_file, "rb").read()
    cert_pem = open(cert_pem_file, "rb").read()
    pkcs8 = der_of(["pkey"], key_pem_file)
    pkcs1 = der_of(["rsa", "-traditional"], key_pem_file)
    spki = der_of(["pkey", "-pubout"], key_pem_file)
    rsa_pub = der_of(["rsa", "-RSAPublicKey_out"], key_pem_file)
    cert = der_of(["x509"], cert_pem_file)
    pub_pem = subprocess.run(["openssl", "pkey", "-pubout", "-in", key_pem_file], check=True,
                             capture_output=True).stdout

    # der: the DER of the key in every form, and the certificate
    for name, d in [("pkcs8", pkcs8), ("pkcs1", pkcs1), ("spki", spki), ("rsa_public_key", rsa_pub),
                    ("certificate", cert)]:
        write("der", name, d)
    # keys: DER || min_bits byte || as_pem byte (the last byte: 0 DER, 1 PEM)
    for name, d in [("pkcs8", pkcs8), ("pkcs1", pkcs1), ("spki", spki), ("rsa_public_key", rsa_pub),
                    ("certificate", cert)]:
        write("keys", name, d + b"\x01\x00")
    write("keys", "pem_private", key_pem + b"\x01\x01")
    write("keys", "pem_public", pub_pem + b"\x01\x01")
    write("keys", "pem_certificate", cert_pem + b"\x01\x01")
    # pem: text || skip_space byte
    write("pem", "private_key", key_pem + b"\x01")
    write("pem", "certificate", cert_pem + b"\x01")
    write("pem", "base64_line", key_pem.splitlines()[1] + b"\x00")

    # messages and ecdhe: handshake bodies from the capture (without the 4-byte header)
    for sec, msgs in cap.items():
        tag = "ecdhe" if "ECDHE" in sec else "rsa"
        for k in ("client_hello", "server_hello", "certificate", "client_key_exchange", "server_hello_done"):
            if k in msgs:
                write("messages", f"{tag}_{k}", msgs[k][4:])
        if "server_key_exchange" in msgs:
            write("ecdhe", "server_key_exchange", msgs["server_key_exchange"][4:])
            params = msgs["server_key_exchange"][4:4 + 4 + msgs["server_key_exchange"][7]]
            write("ecdhe", "server_ecdh_params", params)
            write("ecdhe", "client_key_exchange", msgs["client_key_exchange"][4:])
        # record: the session's records (other keys: they fail to open) || mode byte
        recs = b"".join(msgs[f"client_record_{i}"] for i in range(3) if f"client_record_{i}" in msgs)
        write("record", f"capture_{tag}", recs + b"\x00")

    # Differential targets: vector material as raw input.
    x = open(os.path.join(VEC, "rfc", "rfc7748_x25519.txt")).read()
    scal = re.findall(r"^scalar = ([0-9a-f]{64})", x, re.M)
    us = re.findall(r"^u = ([0-9a-f]{64})", x, re.M)
    for i, (s, u) in enumerate(zip(scal, us)):
        write("x25519", f"rfc7748_{i + 1}", bytes.fromhex(s + u) + b"\xff")
    for i, s in enumerate(scal):
        # p256: mode (last byte) 1 = a valid point from the second scalar; 2 = y changed
        write("p256", f"valid_{i + 1}", bytes.fromhex(s) * 2 + b"\x10\x01")
        write("p256", f"y_changed_{i + 1}", bytes.fromhex(s) * 2 + b"\x10\x02")
    ske = cap["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 x25519"]["server_key_exchange"]
    sig = ske[-256:]
    write("rsa", "raw_signature", sig + b"\x00\x00\x00")                   # mode 0: s^e
    write("rsa", "capture_signature", sig + ske[4:40] + b"\x00\x00\x01")   # mode 1: verify
    write("rsa", "near_valid", b"signed message" + b"\x05\x00\x10\x00\x02")  # mode 2
    write("rsa", "encrypt", bytes(range(48)) * 2 + b"\x30\x00\x00\x03")     # mode 3
    write("rsa", "decrypt", sig + b"\x00\x00\x04")                          # mode 4
    sha = open(os.path.join(VEC, "nist", "sha", "SHA256ShortMsg.rsp")).read()
    msgs = re.findall(r"^Msg = ([0-9a-f]+)", sha, re.M)
    for m in (msgs[1], msgs[40], msgs[-1]):
        write("sha2", f"nist_{len(m) // 2}", bytes(16) + bytes.fromhex(m))
    hm = open(os.path.join(VEC, "rfc", "rfc4231_hmac_sha256.txt")).read()
    keys = re.findall(r"^key = ([0-9a-f]+)", hm, re.M)
    datas = re.findall(r"^data = ([0-9a-f]+)", hm, re.M)
    for i, (k, d) in enumerate(list(zip(keys, datas))[:4]):
        kb = bytes.fromhex(k)
        write("hmac", f"rfc4231_{i + 1}", kb + bytes(16) + bytes.fromhex(d) + bytes([len(kb)]))
    rsa_sec = cap["TLS_RSA_WITH_AES_128_GCM_SHA256"]
    write("prf", "capture_randoms", rsa_sec["client_random"] + rsa_sec["server_random"] + b"\x00" +
          b"master secret" + rsa_sec["master_secret"] + b"\x0d\x30\x30\x30\x00")
    g = open(os.path.join(VEC, "nist", "gcm", "gcmEncryptExtIV128.rsp")).read()
    ks = re.findall(r"^Key = ([0-9a-f]+)", g, re.M)
    pts = re.findall(r"^PT = ([0-9a-f]*)", g, re.M)
    for i in (0, len(ks) // 2, len(ks) - 1):
        write("gcm", f"nist_{i}", bytes.fromhex(ks[i]) + bytes(12) + bytes(13) + bytes.fromhex(pts[i]) + b"\x0d\x00\x07\x01\x01\x00")
    write("mont", "rsa_2048_size", sig * 3 + b"\x20\x1f")

    if kagi_fuzz:
        env = dict(os.environ, KAGI_FUZZ_WRITE_SEEDS=OUT)
        subprocess.run([kagi_fuzz], env=env, check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
