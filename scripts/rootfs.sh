#!/bin/sh
# rootfs.sh DIR: the few files a FROM scratch image of the gateway or the
# worker needs besides its static binary: the CA bundle (TLS to WhatsApp,
# webhooks, Vault) and a non-root user, uid and gid 65532 (the uid the
# Nomad job renders the worker's secret files for).
#
# Used by both Dockerfiles' build stage and by scripts/image.sh, which
# builds the images offline from the CA bundle of the machine it runs on
# (Debian's ca-certificates).
set -eu
dir=${1:?usage: rootfs.sh DIR}
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
if [ ! -s "$ca" ]; then
	echo "rootfs.sh: no CA bundle at $ca (install ca-certificates or set CA_BUNDLE)" >&2
	exit 1
fi
mkdir -p "$dir/etc/ssl/certs" "$dir/home/nonroot"
cp "$ca" "$dir/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$dir/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$dir/etc/group"
