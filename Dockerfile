# SPDX-License-Identifier: GPL-2.0-only
# Multi-stage build of llm-schedd on Debian trixie. Unbuilt on the
# development machines (no container engine runs there); it mirrors
# scripts/setup.sh and reads the same package list, minus the VM-lane tools.
#
#   docker build -t llm-schedd .
#   docker run --privileged --pid=host -v /sys:/sys -v /run:/run \
#       -v /etc/llm-schedd:/etc/llm-schedd:ro llm-schedd --config /etc/llm-schedd/policy.json
FROM debian:trixie AS build
COPY scripts/packages.txt /tmp/packages.txt
# Suites in packages.txt ("name/bookworm-backports") are bookworm's; trixie
# has those versions in its main suite, so the suffix is dropped here.
RUN apt-get update && \
    sed -e 's/#.*//' -e 's|/.*||' -e '/^ *$/d' /tmp/packages.txt \
      | grep -vE '^(qemu-system-x86|busybox-static|cpio|stress-ng|rt-tests|python3-jsonschema)$' \
      | xargs apt-get install -y --no-install-recommends && \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLLM_VM_TESTS=OFF && \
    cmake --build build -j"$(nproc)" --target llm-schedd llm-schedctl llm-unit-tests && \
    (cd build && ctest -L unit --output-on-failure) && \
    cmake --install build --prefix /out --component Unspecified

FROM debian:trixie-slim
# The spdlog and libcgroup runtimes' names change with their ABIs; ask the
# -dev packages for them.
RUN apt-get update && \
    apt-get install -y --no-install-recommends libsystemd0 \
      $(apt-cache depends libspdlog-dev | sed -n 's/^ *Depends: \(libspdlog1[^ ]*\)$/\1/p') \
      $(apt-cache depends libcgroup-dev | sed -n 's/^ *Depends: \(libcgroup[0-9][^ ]*\)$/\1/p') && \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/
COPY configs/ /usr/share/llm-schedd/
ENTRYPOINT ["/usr/sbin/llm-schedd"]
CMD ["--config", "/usr/share/llm-schedd/default.json"]
