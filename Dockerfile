# The gateway: public API, embedded or cluster shape (cmd/gateway).
# docker build -t whatsapp-gateway .
# Without a reachable registry (no golang image to pull): make images-local,
# which builds the same final stage from a local go build.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -tags nodynamic -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/gateway ./cmd/gateway \
 && sh scripts/rootfs.sh /rootfs \
 && mkdir -p /out/data
# DATA_DIR, owned by the runtime user: a named volume mounted on /data starts
# as a copy of it (the image has no shell to mkdir/chown at run time).

# The final stage pulls nothing: a static binary, the CA bundle, a non-root user.
FROM scratch
COPY --from=build /rootfs/ /
COPY --from=build /out/gateway /usr/local/bin/gateway
COPY --from=build --chown=65532:65532 /out/data /data
ENV DATA_DIR=/data PORT=3000
USER 65532:65532
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/local/bin/gateway", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/gateway"]
