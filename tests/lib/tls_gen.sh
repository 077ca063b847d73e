#!/bin/sh
# tls_gen.sh: the TLS material of the integration tests, made in the
# current directory with the openssl command (tls_make_certs in daemon.c
# runs it): EC keys (fast), valid for a week.  Certificates 0644, keys
# 0600 (a test that starts the daemon as another user gives it the key).
set -e
O=/usr/bin/openssl
EC='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'

# ca NAME CN: a self-signed CA.
ca() {
	$O req -x509 $EC -keyout $1.key -out $1.crt -days 7 -subj "/CN=$2" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign
}

# leaf NAME CN CA SERIAL USAGE: a certificate CA signs, for 127.0.0.1.
leaf() {
	$O req -new $EC -keyout $1.key -out $1.csr -subj "/CN=$2"
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' \
	    $5 > $1.ext
	$O x509 -req -in $1.csr -CA $3.crt -CAkey $3.key -set_serial $4 \
	    -days 7 -extfile $1.ext -out $1.crt
	rm -f $1.csr $1.ext
}

ca ca privcached-test-ca
# The same name as the real CA: only the signature tells them apart.
ca rogue-ca privcached-test-ca
leaf server privcached-test-server-1 ca 4097 serverAuth
leaf server2 privcached-test-server-2 ca 8193 serverAuth
leaf client privcached-test-client ca 12289 clientAuth
leaf rogue privcached-test-client rogue-ca 16385 clientAuth
chmod 0644 *.crt
chmod 0600 *.key
