#!/bin/bash
# Regenerate the test certificates in this directory with certtool (gnutls-bin).
# The generated files are committed; run this only to replace them all.
# Every certificate here never expires, except client-expired.pem (valid only in 2001).
#
# ./mkcerts.sh check makes only the certificates the --check tests added
# (client-dev, client-prod, client-topics, client-badtopics), signed by the
# committed client CA, and leaves every other file as it is.
set -eu

cd "$(dirname "$0")"

PASS=test-passphrase
CERTTOOL=${CERTTOOL:-certtool}

# Run certtool quietly; show its output only when it fails.
ct() {
	local out
	if ! out=$("$CERTTOOL" "$@" 2>&1); then
		printf '%s\n' "$out" >&2
		printf 'mkcerts.sh: certtool %s failed\n' "$*" >&2
		exit 1
	fi
}

genkey() { # genkey NAME: write NAME.key, unencrypted RSA 2048 (PEM)
	ct --generate-privkey --key-type rsa --bits 2048 --no-text \
		--outfile "$1.key"
}

selfsign() { # selfsign NAME: NAME.key + NAME.tmpl -> NAME.pem
	genkey "$1"
	ct --generate-self-signed --load-privkey "$1.key" \
		--template "$1.tmpl" --no-text --outfile "$1.pem"
}

sign() { # sign NAME CA: NAME.key + NAME.tmpl, signed by CA.pem/CA.key -> NAME.pem
	genkey "$1"
	ct --generate-certificate --load-privkey "$1.key" \
		--load-ca-certificate "$2.pem" --load-ca-privkey "$2.key" \
		--template "$1.tmpl" --no-text --outfile "$1.pem"
}

# The --check certificates: one environment each, the topics extension,
# a malformed topics extension.
check_certs() {
	for name in client-dev client-prod client-topics client-badtopics; do
		sign "$name" client-ca
		chmod 644 -- "$name.key" "$name.pem"
	done
}

# Token authentication (--http2): Apple-style .p8 keys, unencrypted PKCS#8
# EC P-256, and the public key the mock HTTP/2 server verifies JWTs with.
auth_keys() {
	for name in authkey authkey-other; do
		ct --generate-privkey --key-type ecdsa --curve secp256r1 --no-text \
			--outfile "$name.tmp"
		ct --to-p8 --load-privkey "$name.tmp" --password "" --no-text \
			--outfile "$name.p8"
		ct --pubkey-info --load-privkey "$name.tmp" --no-text \
			--outfile "$name.pub.pem"
		rm -f -- "$name.tmp"
		chmod 644 -- "$name.p8" "$name.pub.pem"
	done
}

case ${1:-all} in
all) ;;
check)
	check_certs
	exit 0
	;;
authkeys)
	auth_keys
	exit 0
	;;
*)
	echo "usage: mkcerts.sh [all|check|authkeys]" >&2
	exit 2
	;;
esac

rm -f -- *.key *.pem *.p12

selfsign server-ca
sign server server-ca
sign server-wrongname server-ca

selfsign client-ca
sign client client-ca
sign client-expired client-ca
check_certs

selfsign rogue-ca
sign client-rogue rogue-ca

genkey other
auth_keys

cat client.pem client.key >client-combined.pem

ct --to-p8 --load-privkey client.key --password "$PASS" \
	--no-text --outfile client-enc.key

ct --to-p12 --load-certificate client.pem --load-privkey client.key \
	--p12-name apnsend-test --password "$PASS" --outder --outfile client.p12

chmod 644 -- *.key *.pem *.p12
