#!/bin/sh
# image.sh gateway|instance [TAG]: builds the image offline. The binary is
# built here (CGO_ENABLED=0, static) and the final stage of Dockerfile or
# Dockerfile.instance is used as written, with its COPY --from=build lines
# pointed at the local build: nothing is pulled, so it works where no
# registry is reachable. TAG defaults to whatsapp-<name>:dev.
set -eu
name=${1:?usage: image.sh gateway|instance [TAG]}
tag=${2:-whatsapp-$name:dev}
case $name in
gateway) dockerfile=Dockerfile ;;
instance) dockerfile=Dockerfile.instance ;;
*) echo "image.sh: gateway or instance, not $name" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
version=$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo dev)
(cd "$root" && CGO_ENABLED=0 ${GO:-go} build -trimpath -ldflags "-s -w -X main.version=$version" -o "$ctx/out/$name" "./cmd/$name")
sh "$root/scripts/rootfs.sh" "$ctx/rootfs"
mkdir -p "$ctx/out/data"
# The final stage: everything after the last FROM, reading the build
# stage's outputs from the context instead.
awk '/^FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$root/$dockerfile" |
	sed -e '/^COPY /s#--from=build ##' -e '/^COPY /s# /rootfs/ # rootfs/ #' -e '/^COPY /s# /out/# out/#' >"$ctx/Dockerfile"
if grep -q -- '--from=' "$ctx/Dockerfile"; then
	echo "image.sh: the final stage of $dockerfile copies from a stage this script does not build" >&2
	exit 1
fi
docker build -q -t "$tag" "$ctx"
echo "$tag"
