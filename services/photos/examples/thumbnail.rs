//! One preview through Hearth's pipeline, for `bench/photos_thumbnail.sh`:
//! `thumbnail IN OUT SIZE` writes OUT, a JPEG of IN whose longer side is SIZE pixels (as
//! `vipsthumbnail IN -s SIZE -o OUT` does), through `media::render_previews`.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};
use hearth_photos::media::{Fit, render_previews, sniff};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, size] = args.as_slice() else {
        bail!("usage: thumbnail IN OUT SIZE");
    };
    let size: u32 = size.parse().context("SIZE is a number of pixels")?;
    let input = Path::new(input);
    let mut head = Vec::with_capacity(512);
    File::open(input).with_context(|| format!("opening {}", input.display()))?.take(512).read_to_end(&mut head)?;
    let sniffed = sniff(&head, &input.to_string_lossy());
    let renditions = render_previews(input, sniffed.content_type, &[Fit::LongEdge(size)])
        .map_err(|error| anyhow::anyhow!("no preview: {error}"))?;
    let preview = renditions.first().context("one fit, one rendition")?;
    std::fs::write(output, &preview.bytes).with_context(|| format!("writing {output}"))?;
    Ok(())
}
