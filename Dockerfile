# syntax=docker/dockerfile:1
# AgentHQ: the `agenthq` server (release build) and the browser office, on a small
# distroless base, as a non-root user, with a health check.
#
#   docker build -t agenthq .
#   docker run -p 8080:8080 -v agenthq-data:/var/lib/agenthq agenthq
#   docker run -p 8080:8080 agenthq demo --quiet
#
# The build stage runs scripts/build-image-root.sh, the same script CI runs
# (scripts/check-image.sh), so what this file builds is tested without a container engine.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
# Registry and build caches survive between builds of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    scripts/build-image-root.sh /image-root

# glibc and libgcc only (the binary links nothing else: TLS is rustls with its own roots).
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=build --chown=65532:65532 /image-root/ /
USER 65532:65532
ENV AGENTHQ_LISTEN=0.0.0.0:8080 \
    AGENTHQ_DATA_DIR=/var/lib/agenthq \
    AGENTHQ_WEB_DIR=/usr/share/agenthq/web \
    AGENTHQ_LOG_FORMAT=json
VOLUME ["/var/lib/agenthq"]
EXPOSE 8080
# `agenthq health` asks this server's /readyz (store, and Redis in a cluster).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/agenthq", "health"]
ENTRYPOINT ["/usr/local/bin/agenthq"]
CMD ["serve"]
