#!/usr/bin/env bash
# Renders Hearth's icons from icon.svg (rounded, for browsers) and maskable.svg (full-bleed,
# for home screens that cut their own shape). Needs rsvg-convert (Debian: librsvg2-bin) and
# python3. The results are committed; run this again only after changing a drawing.
set -euo pipefail
cd "$(dirname "$0")"

rsvg-convert -w 192 -h 192 icon.svg -o icon-192.png
rsvg-convert -w 512 -h 512 icon.svg -o icon-512.png
rsvg-convert -w 512 -h 512 maskable.svg -o icon-maskable-512.png
# iOS draws its own rounded corners and shows transparency as black: full-bleed.
rsvg-convert -w 180 -h 180 maskable.svg -o apple-touch-icon.png
for size in 16 32 48; do rsvg-convert -w "$size" -h "$size" icon.svg -o "/tmp/hearth-favicon-$size.png"; done

# favicon.ico: an ICO directory of the three PNGs (PNG entries are valid ICO images).
python3 - <<'PY'
import struct
sizes = [16, 32, 48]
images = [open(f"/tmp/hearth-favicon-{s}.png", "rb").read() for s in sizes]
offset = 6 + 16 * len(images)
header = struct.pack("<HHH", 0, 1, len(images))
entries = b""
for size, data in zip(sizes, images):
    entries += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(data), offset)
    offset += len(data)
with open("favicon.ico", "wb") as ico:
    ico.write(header + entries + b"".join(images))
PY
rm -f /tmp/hearth-favicon-*.png
