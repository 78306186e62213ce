# Sourced by the scripts that stage a `FROM scratch` image's rootfs (deploy/images/build.sh and
# the test images under tests/e2e-docker/).

# Copies a program and the shared libraries it loads (the loader included; none for a static
# binary) into a rootfs, each at the path it has on this machine.
stage_binary() { # program rootfs [folder inside the rootfs, default: the program's own]
  local folder=${3:-$(dirname "$1")} libraries library
  install -D -m 0755 "$1" "$2$folder/$(basename "$1")"
  libraries=$(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true)
  for library in $libraries; do
    # 0755: the loader must be executable, and shared libraries are mapped for execution.
    install -D -m 0755 "$(readlink -f "$library")" "$2$library"
  done
}
