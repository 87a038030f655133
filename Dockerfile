# syntax=docker/dockerfile:1
# Build: a static binary with no cgo.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .git is not copied in (.dockerignore): `make image` passes these, which
# `warroom version` prints.
ARG VERSION=dev
ARG COMMIT=
ARG BUILD_DATE=
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${BUILD_DATE}" -o /out/warroom .
# The spool's directory, owned by the user the image runs as: a named
# volume mounted there starts as a copy of it, writable by that user
# (distroless has no shell to make it in the run stage).
RUN mkdir -p /out/spool

# Run: distroless static, non-root; it carries CA certificates and nothing
# else but the binary (time zones are embedded in it).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/warroom /usr/local/bin/warroom
COPY --from=build --chown=65532:65532 /out/spool /var/lib/warroom
USER nonroot:nonroot
EXPOSE 8080
ENV WARROOM_ADDR=:8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/usr/local/bin/warroom", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/warroom"]
CMD ["serve"]
