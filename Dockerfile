# The tenken container image: the static Linux binary on an empty base, no
# shell, no package manager, running as a non-root user. The bundled
# plugins are built into the binary, so the image needs no compile cache.
# It packs a binary built beforehand (a release archive's, or
# `dist/archive.sh x86_64-unknown-linux-musl`) rather than building from
# source inside the image:
#
#   docker build --build-arg BINARY=target/x86_64-unknown-linux-musl/release/tenken -t tenken .
#   docker run --rm -v "$PWD:/src:ro" tenken check .
#
# .ci/run builds and runs it with podman; see docs/install.md.
FROM scratch
ARG BINARY=target/x86_64-unknown-linux-musl/release/tenken
COPY ${BINARY} /usr/local/bin/tenken
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/tenken"]
CMD ["check", "."]
