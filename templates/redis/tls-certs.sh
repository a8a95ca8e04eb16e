# Generates the stack's Redis TLS material: a CA (its key dropped once it signed) and a server certificate for
# $QK_TLS_SANS. Prints ca.crt, server.crt, server.key (PEM): the caller keeps the output as a Pulumi secret.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -days 3650 \
  -subj "/CN=queuekit $QK_TLS_STACK redis CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
  -subj "/CN=redis" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
  "$QK_TLS_SANS" >ext.cnf
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 825 \
  -extfile ext.cnf 2>/dev/null
cat ca.crt server.crt server.key
