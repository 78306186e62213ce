#!/usr/bin/env bash
# `make images`: one image per service and one for the all-in-one process, tagged with the git
# commit, from deploy/images/Dockerfile, and `docker save` archives of them in target/images/
# (for `kind load image-archive` or `k3s ctr images import`).
#
# portal, bugs and games are static binaries (glibc's static-pie with +crt-static). photos and
# the all-in-one decode HEIC through the system's libheif, which Debian ships only as shared
# libraries: they are built as usual and carry exactly the libraries `ldd` names, but for the
# encoders libheif links and Hearth never uses, which are stubs (ADR 0073).
#
#   deploy/images/build.sh                 # all five
#   IMAGES="portal photos" deploy/images/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

source deploy/images/rootfs.sh
export DOCKER_BUILDKIT=0
target=x86_64-unknown-linux-gnu
tag=$(git rev-parse --short=12 HEAD)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
created=$(git log -1 --format=%cI HEAD)
out=target/images
images=${IMAGES:-portal photos bugs games hearth}

command -v docker >/dev/null || { echo "make images needs docker" >&2; exit 1; }
pkg-config --exists libheif || {
  echo "make images needs libheif-dev and pkg-config: iPhone photos must get previews in the photos image" >&2
  exit 1
}

for image in $images; do
  case $image in portal | photos | bugs | games | hearth) ;;
    *) echo "unknown image $image: choose portal, photos, bugs, games or hearth" >&2; exit 2 ;;
  esac
done

# Each image's binary is the release build linked for size (ADR 0074): the link packs the
# relative relocations (glibc 2.36 reads DT_RELR), and bugs, whose hot path is SQLite (C, built
# at -O3 all the same), gets fat LTO optimised for size. `cargo rustc` hands these to the
# binary's own compile only, so the dependencies stay those of `cargo build --release`.
size_flags=(-C link-arg=-Wl,-z,pack-relative-relocs)
link() { # package, then the arguments for cargo
  local package=$1 extra=()
  shift
  [ "$package" != hearth-bugs ] || extra=(-C lto=fat -C opt-level=s)
  cargo rustc --release --locked -q "$@" -p "$package" --bin "$package" -- "${size_flags[@]}" "${extra[@]}"
}
for image in $images; do
  case $image in
    # --target keeps build scripts and proc macros out of RUSTFLAGS (they stay dynamic, as they must).
    portal | bugs | games) RUSTFLAGS='-C target-feature=+crt-static' link "hearth-$image" --target "$target" ;;
    photos) link hearth-photos ;;
    hearth) link hearth ;;
  esac
done

# libheif's encoders (x265, libaom: 21 MB) become the stubs of deploy/images/encoder-stubs/,
# since Hearth only decodes (ADR 0073).
replace_encoders() { # rootfs
  local library soname
  for library in "$1"/lib/x86_64-linux-gnu/libx265.so.* "$1"/lib/x86_64-linux-gnu/libaom.so.*; do
    [ -e "$library" ] || continue
    soname=$(basename "$library")
    case $soname in libx265*) source=x265.c ;; *) source=aom.c ;; esac
    gcc -shared -fPIC -O2 -Wall -Wextra -Werror -Wl,-soname,"$soname" -o "$library" \
      "deploy/images/encoder-stubs/$source"
  done
}

for image in $images; do
  case $image in
    hearth) name=hearth binary=target/release/hearth entrypoint='["/usr/local/bin/hearth", "serve"]'
            description="Hearth: every service in one process" ;;
    photos) name=hearth-photos binary=target/release/hearth-photos
            entrypoint='["/usr/local/bin/hearth-photos"]' description="Hearth's photos and documents" ;;
    *) name=hearth-$image binary=target/$target/release/hearth-$image
       entrypoint="[\"/usr/local/bin/hearth-$image\"]" description="Hearth's $image service" ;;
  esac
  context=$out/$name
  rm -rf "$context"
  mkdir -p "$context/rootfs" "$context/data"
  stage_binary "$binary" "$context/rootfs" /usr/local/bin
  replace_encoders "$context/rootfs"
  { cat deploy/images/Dockerfile; echo "ENTRYPOINT $entrypoint"; } > "$context/Dockerfile"
  docker build -q -t "$name:$tag" \
    --build-arg NAME="$name" --build-arg DESCRIPTION="$description" --build-arg REVISION="$tag" \
    --build-arg CREATED="$created" --build-arg VERSION="$version" "$context" >/dev/null
  docker save -o "$out/$name.tar" "$name:$tag"
  size=$(docker image inspect -f '{{.Size}}' "$name:$tag")
  echo "$name:$tag  $((size / 1000 / 1000)) MB  ($out/$name.tar)"
done
