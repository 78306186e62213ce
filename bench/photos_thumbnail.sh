#!/usr/bin/env bash
# Issue 3's thumbnail figures (docs/benchmarks.md): a 24-megapixel JPEG to a 1,440-pixel
# preview with Hearth's pipeline (examples/thumbnail.rs, i.e. media::render_previews) against
# vipsthumbnail on the same file, side by side: wall time with hyperfine, peak RSS with
# /usr/bin/time -v, medians of RUNS runs. Release build; needs python3 and
# `apt-get install libvips-tools hyperfine time`.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-20}
size=1440
for tool in vips vipsthumbnail hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install libvips-tools hyperfine time" >&2; exit 1; }
done
cargo build --release -q -p hearth-photos --example thumbnail
hearth=target/release/examples/thumbnail

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
photo=$work/photo.jpg

# A photograph-like 6000 × 4000 picture: colour gradients across and down, a slow sine
# pattern, and Gaussian sensor noise (fixed seed), saved at quality 90 (about 9 MB).
vips xyz "$work/xy.v" 6000 4000
vips extract_band "$work/xy.v" "$work/x.v" 0
vips extract_band "$work/xy.v" "$work/y.v" 1
vips linear "$work/x.v" "$work/r.v" 0.0425 0
vips linear "$work/y.v" "$work/g.v" 0.06375 0
vips sines "$work/s.v" 6000 4000 --hfreq 3 --vfreq 2
vips linear "$work/s.v" "$work/b.v" 100 128
vips bandjoin "$work/r.v $work/g.v $work/b.v" "$work/rgb.v"
vips gaussnoise "$work/n.v" 6000 4000 --sigma 10 --mean 0 --seed 42
vips add "$work/rgb.v" "$work/n.v" "$work/noisy.v"
vips cast "$work/noisy.v" "$work/u8.v" uchar
vips copy "$work/u8.v" "$photo[Q=90]"
rm "$work"/*.v

vips_cmd=(vipsthumbnail "$photo" -s "$size" -o "$work/vips.jpg[Q=82]")
hearth_cmd=("$hearth" "$photo" "$work/hearth.jpg" "$size")

echo "## input: $(vipsheader "$photo"), $(stat -c %s "$photo") bytes"
echo "## wall time, $runs runs each (hyperfine, 3 warm-up runs)"
hyperfine -N -w 3 -r "$runs" --export-json "$work/time.json" \
  -n vipsthumbnail "${vips_cmd[*]}" \
  -n hearth "${hearth_cmd[*]}"

peak_kb() {
  for _ in $(seq "$runs"); do
    /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null
    awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt"
  done | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
vips_kb=$(peak_kb "${vips_cmd[@]}")
hearth_kb=$(peak_kb "${hearth_cmd[@]}")

echo "## outputs"
for out in vips hearth; do
  echo "$out: $(vipsheader "$work/$out.jpg"), $(stat -c %s "$work/$out.jpg") bytes"
done

echo "## summary (medians)"
python3 - "$work/time.json" "$vips_kb" "$hearth_kb" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
vips_kb, hearth_kb = int(sys.argv[2]), int(sys.argv[3])
vips_ms = results["vipsthumbnail"]["median"] * 1000
hearth_ms = results["hearth"]["median"] * 1000
print("| pipeline | wall time (median) | peak RSS (median) |")
print("|---|---|---|")
print(f"| vipsthumbnail | {vips_ms:.1f} ms | {vips_kb / 1024:.1f} MiB |")
print(f"| Hearth (render_previews) | {hearth_ms:.1f} ms | {hearth_kb / 1024:.1f} MiB |")
print(f"| ratio Hearth / vips | {hearth_ms / vips_ms:.2f}× | {hearth_kb / vips_kb:.2f}× |")
PY
