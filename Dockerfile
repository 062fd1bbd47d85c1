# syntax=docker/dockerfile:1
# tinygpt serve in a container: built on Debian 12 exactly as the README builds it, run on a
# slim Debian 12 with only the shared libraries the binary links, as a non-root user.
#   docker build -t tinygpt .
#   docker run --rm -p 8080:8080 -v "$PWD/runs/chat/model:/models/chat:ro" tinygpt
# The model is not in the image: mount a model folder (tinygpt finetune ... --out) at
# /models/chat. compose.yaml and deploy/k8s/ run it with API keys and Prometheus.
# Checked without a container engine by tests/browser/deploy_manifests.test.mjs.

# --- build: the README's commands (scripts/setup.sh, then the release preset) -------------
FROM debian:12 AS build
# setup.sh installs the missing packages of scripts/packages.txt with apt-get (we are root:
# no sudo) and skips the browser tests' npm packages when npm is missing.
WORKDIR /src
COPY . .
RUN bash scripts/setup.sh
# TINYGPT_NATIVE=OFF (the README's portable build): -march=native would tie the image to the
# build machine's CPU. Only the command line program is built (target tinygpt_cli).
RUN cmake --preset release -DTINYGPT_NATIVE=OFF
RUN cmake --build --preset release -j --target tinygpt_cli

# --- runtime: the binary and the Debian packages of its shared libraries ------------------
# (`ldd build/release/apps/tinygpt` mapped to packages with `dpkg -S`; apt pulls in the
# libraries those need in turn: libgfortran5, libhwloc15, libevent, libssl3, brotli ...)
FROM debian:12-slim AS runtime
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libsqlite3-0 libgomp1 libpcre2-8-0 libopenblas0-openmp libopenmpi3 libcpp-httplib0.11 \
      libstdc++6 libgcc-s1 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin tinygpt
COPY --from=build /src/build/release/apps/tinygpt /usr/local/bin/tinygpt
USER 10001:10001
EXPOSE 8080
VOLUME ["/models/chat"]
# The server drains on SIGTERM: requests under way get --grace seconds to finish.
STOPSIGNAL SIGTERM
# /healthz: the process answers (liveness). Readiness (/readyz) is the orchestrator's business.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
# Extra flags go after the image name (docker run ... tinygpt --api-keys /run/secrets/api_keys).
ENTRYPOINT ["/usr/local/bin/tinygpt", "serve", "--host", "0.0.0.0", "--port", "8080", "--model", "/models/chat", "--name", "chat", "--grace", "30"]
