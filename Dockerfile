# The gateway: public API, embedded or cluster shape (cmd/gateway).
# docker build -t whatsapp-gateway .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/gateway ./cmd/gateway

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gateway /usr/local/bin/gateway
ENV DATA_DIR=/data PORT=3000
USER nonroot:nonroot
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/gateway"]
