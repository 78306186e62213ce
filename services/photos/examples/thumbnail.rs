//! One preview through Hearth's pipeline, for `bench/photos_thumbnail.sh`:
//! `thumbnail IN OUT SIZE` writes OUT, a JPEG of IN whose longer side is SIZE pixels (as
//! `vipsthumbnail IN -s SIZE -o OUT` does), through `media::render_previews`.
//! `thumbnail IN OUT SIZE DECODER` does the same as the service does it, through the decoder
//! child `DECODER decode …` (e.g. `target/release/hearth`), to measure what the child costs.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use hearth_photos::config::DecoderConfig;
use hearth_photos::decoder::Decoder;
use hearth_photos::media::{Fit, Rendition, render_previews, sniff};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output, size, decoder) = match args.as_slice() {
        [input, output, size] => (input, output, size, None),
        [input, output, size, decoder] => (input, output, size, Some(PathBuf::from(decoder))),
        _ => bail!("usage: thumbnail IN OUT SIZE [DECODER]"),
    };
    let size: u32 = size.parse().context("SIZE is a number of pixels")?;
    let input = Path::new(input);
    let mut head = Vec::with_capacity(512);
    File::open(input).with_context(|| format!("opening {}", input.display()))?.take(512).read_to_end(&mut head)?;
    let content_type = sniff(&head, &input.to_string_lossy()).content_type;
    let fits = [Fit::LongEdge(size)];
    let renditions = match decoder {
        None => render_previews(input, content_type, &fits).map_err(|error| anyhow::anyhow!("no preview: {error}"))?,
        Some(program) => through_child(program, input, content_type, &fits)?,
    };
    let preview = renditions.first().context("one fit, one rendition")?;
    std::fs::write(output, &preview.bytes).with_context(|| format!("writing {output}"))?;
    Ok(())
}

fn through_child(program: PathBuf, input: &Path, content_type: &str, fits: &[Fit]) -> anyhow::Result<Vec<Rendition>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let decoder = Decoder::new(&DecoderConfig { program, memory_bytes: 1 << 30, cpu_seconds: 60 });
    let (_, renditions) = runtime.block_on(decoder.photo(input, content_type, fits))?;
    renditions.map_err(|error| anyhow::anyhow!("no preview: {error}"))
}
