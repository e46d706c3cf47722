#!/usr/bin/env bash
# Makes a throw-away CA, a server certificate for 127.0.0.1 and a client certificate (EC P-256, valid 1 day)
# in the folder given as $1. Run by MosquittoTlsAndAuthTests; needs only openssl.
set -euo pipefail
cd "$1"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 1 -subj /CN=HeartStreamTestCA 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
openssl req "${ec[@]}" -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile server.ext 2>/dev/null
openssl req "${ec[@]}" -keyout client.key -out client.crt.csr -subj /CN=heartstream-client 2>/dev/null
openssl x509 -req -in client.crt.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1 2>/dev/null
# A second CA that signed nothing: a client trusting only it must refuse the server.
openssl req -x509 "${ec[@]}" -keyout other-ca.key -out other-ca.crt -days 1 -subj /CN=OtherCA 2>/dev/null
