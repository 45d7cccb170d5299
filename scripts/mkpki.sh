#!/bin/sh
# A CA and, per node, the directory QEMU's tls-creds-x509 reads, made with openssl:
#   OUT/NODE/{ca-cert.pem,server-cert.pem,server-key.pem,client-cert.pem,client-key.pem}
# usage: mkpki.sh OUT [--ca NAME] NODE=ADDRESS[,ADDRESS...] ...
#   every ADDRESS (an IP or a DNS name: the node's `host`, and the host of a tls: QMP address) goes
#   into the server certificate's subjectAltName; subjects are O=colo,CN=host-NODE.
#   --ca NAME: the CA's directory under OUT (default ca); a second run with another NAME makes a
#   second, unrelated CA (certificates it signs are refused by the first CA's nodes).
set -eu
OUT=$1; shift
CA=ca
if [ "${1:-}" = --ca ]; then CA=$2; shift 2; fi
mkdir -p "$OUT/$CA"; cd "$OUT"
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
if [ ! -e "$CA/ca-cert.pem" ]; then
  key "$CA/ca-key.pem"
  openssl req -x509 -new -key "$CA/ca-key.pem" -out "$CA/ca-cert.pem" -days 3650 -subj "/O=colo/CN=colo $CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
fi
sign() { # dir name subject extfile
  key "$1/$2-key.pem"
  openssl req -new -key "$1/$2-key.pem" -subj "$3" -out "$1/$2.csr" 2>/dev/null
  openssl x509 -req -in "$1/$2.csr" -CA "$CA/ca-cert.pem" -CAkey "$CA/ca-key.pem" -set_serial "0x$(openssl rand -hex 8)" \
    -days 825 -extfile "$4" -out "$1/$2-cert.pem" 2>/dev/null
  rm -f "$1/$2.csr"
}
for spec in "$@"; do
  node=${spec%%=*}; addrs=${spec#*=}
  mkdir -p "$node"; cp "$CA/ca-cert.pem" "$node/ca-cert.pem"
  san=""
  for a in $(echo "$addrs" | tr ',' ' '); do
    case $a in *[!0-9.:]*) san="$san,DNS:$a" ;; *) san="$san,IP:$a" ;; esac
  done
  ext=$(mktemp)
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:host-%s%s\n' "$node" "$san" > "$ext"
  sign "$node" server "/O=colo/CN=host-$node" "$ext"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' > "$ext"
  sign "$node" client "/O=colo/CN=host-$node" "$ext"
  rm -f "$ext"
  chmod 0644 "$node"/*-cert.pem; chmod 0600 "$node"/*-key.pem
done
