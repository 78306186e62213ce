//! OpenTTD's game-info query. Since OpenTTD 12 the UDP `PACKET_UDP_SERVER_RESPONSE` is empty
//! (it only says a server is there, for LAN discovery), so the figures come over TCP, as the
//! client's server list asks: connect to the game port, send `PACKET_CLIENT_GAME_INFO`, read
//! one `PACKET_SERVER_GAME_INFO` (see OpenTTD's `src/network/core/game_info.h`).
//!
//! A packet is a little-endian `u16` size (counting itself), a type byte, then the payload.
//! The game info starts with its version (1 to 7); the fields of newer versions come first,
//! so they are skipped before the `clients_on` every version has.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::wire::Reader;
use super::{PlayerReport, QueryError};

const PACKET_SERVER_GAME_INFO: u8 = 6;
const PACKET_CLIENT_GAME_INFO: u8 = 7;
/// The newest game-info version this parser knows.
const NEWEST_VERSION: u8 = 7;

/// The request: a packet of three bytes, `PACKET_CLIENT_GAME_INFO` without payload.
#[must_use]
pub fn request() -> [u8; 3] {
    [3, 0, PACKET_CLIENT_GAME_INFO]
}

/// The players in a whole `PACKET_SERVER_GAME_INFO` packet (size and type included).
/// OpenTTD gives the number of clients, not their names.
///
/// # Errors
/// Another packet type, a version this parser does not know, or a packet that ends early.
pub fn parse(packet: &[u8]) -> Result<PlayerReport, QueryError> {
    let mut reader = Reader::new(packet);
    let size = usize::from(reader.u16_le("size")?);
    if size != packet.len() {
        return Err(QueryError::BadReply(format!("the packet says {size} bytes but has {}", packet.len())));
    }
    let kind = reader.u8("type")?;
    if kind != PACKET_SERVER_GAME_INFO {
        return Err(QueryError::BadReply(format!("packet type {kind}, not the game info")));
    }
    let version = reader.u8("version")?;
    if !(1..=NEWEST_VERSION).contains(&version) {
        return Err(QueryError::BadReply(format!("game info version {version}")));
    }
    if version >= 7 {
        reader.take(8, "ticks playing")?;
    }
    let grf_storage = if version >= 6 { reader.u8("NewGRF storage")? } else { 0 };
    if version >= 5 {
        reader.u32_le("game script version")?;
        reader.string("game script name")?;
    }
    if version >= 4 {
        skip_grfs(&mut reader, grf_storage)?;
    }
    if version >= 3 {
        reader.take(8, "dates")?;
    }
    if version >= 2 {
        reader.take(3, "companies")?;
    }
    reader.string("server name")?;
    reader.string("server revision")?;
    if version < 6 {
        reader.u8("server language")?;
    }
    reader.u8("password flag")?;
    reader.u8("most clients")?;
    let online = reader.u8("clients on")?;
    Ok(PlayerReport { online: u32::from(online), names: Vec::new() })
}

/// The NewGRF list: an identifier and checksum each, with a name (storage 1) or only a lookup
/// index (storage 2).
fn skip_grfs(reader: &mut Reader<'_>, storage: u8) -> Result<(), QueryError> {
    let count = reader.u8("NewGRF count")?;
    for _ in 0..count {
        match storage {
            0 => {
                reader.take(20, "NewGRF")?;
            }
            1 => {
                reader.take(20, "NewGRF")?;
                reader.string("NewGRF name")?;
            }
            2 => {
                reader.take(4, "NewGRF index")?;
            }
            other => return Err(QueryError::BadReply(format!("NewGRF storage {other}"))),
        }
    }
    Ok(())
}

/// Asks the OpenTTD server on this machine's TCP `port`.
pub(super) async fn ask(port: u16) -> Result<PlayerReport, QueryError> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.write_all(&request()).await?;
    let mut size = [0u8; 2];
    stream.read_exact(&mut size).await?;
    let length = usize::from(u16::from_le_bytes(size));
    if length < 3 {
        return Err(QueryError::BadReply(format!("a packet of {length} bytes")));
    }
    let mut packet = vec![0u8; length];
    packet[..2].copy_from_slice(&size);
    stream.read_exact(&mut packet[2..]).await?;
    parse(&packet)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenTTD 13.0 (Debian 12), dedicated, no one on: recorded from `openttd -D`.
    const RECORDED_13: &[u8] = b"\x2b\x00\x06\x06\x01\xff\xff\xff\xff\x00\x00\x1f\xde\x0a\x00\x1f\xde\x0a\x00\x0f\x00\x19Probe\x0013.0\x00\x00\x19\x00\x00\x40\x00\x40\x00\x00\x01";

    /// A game info packet of `version` with `clients_on` and one NewGRF stored as `storage`.
    fn built(version: u8, storage: u8, clients_on: u8) -> Vec<u8> {
        let mut payload = vec![PACKET_SERVER_GAME_INFO, version];
        if version >= 7 {
            payload.extend([0; 8]);
        }
        if version >= 6 {
            payload.push(storage);
        }
        if version >= 5 {
            payload.extend(b"\x01\x00\x00\x00AI\x00");
        }
        if version >= 4 {
            payload.push(1);
            match storage {
                2 => payload.extend([9, 0, 0, 0]),
                _ => payload.extend([7; 20]),
            }
            if storage == 1 {
                payload.extend(b"OpenGFX+\x00");
            }
        }
        if version >= 3 {
            payload.extend([0; 8]);
        }
        if version >= 2 {
            payload.extend([15, 2, 0]);
        }
        payload.extend(b"Family\x0014.1\x00");
        if version < 6 {
            payload.push(0);
        }
        payload.extend([0, 8, clients_on, 0, 0x40, 0, 0x40, 0, 0, 1]);
        let size = u16::try_from(payload.len() + 2).unwrap_or_default();
        let mut packet = size.to_le_bytes().to_vec();
        packet.extend(payload);
        packet
    }

    #[test]
    fn the_recorded_debian_server_has_no_one_on() {
        assert_eq!(parse(RECORDED_13).ok(), Some(PlayerReport { online: 0, names: Vec::new() }));
    }

    #[test]
    fn every_version_and_newgrf_storage_gives_the_clients_on() {
        for (version, storage) in [(7, 1), (7, 2), (6, 0), (6, 1), (5, 0), (4, 0), (3, 0), (2, 0)] {
            let report = parse(&built(version, storage, 3)).map_err(|e| e.to_string());
            assert_eq!(report.map(|r| r.online), Ok(3), "version {version}, storage {storage}");
        }
    }

    #[test]
    fn bad_replies_are_refused() {
        let mut other_type = RECORDED_13.to_vec();
        other_type[2] = 3;
        assert!(parse(&other_type).is_err_and(|e| e.to_string().contains("packet type 3")));
        let mut future = RECORDED_13.to_vec();
        future[3] = 8;
        assert!(parse(&future).is_err_and(|e| e.to_string().contains("version 8")));
        let cut = &RECORDED_13[..30];
        assert!(parse(cut).is_err_and(|e| e.to_string().contains("says 43 bytes")));
        let mut short = RECORDED_13[..30].to_vec();
        short[0] = 30;
        assert!(parse(&short).is_err_and(|e| e.to_string().contains("ends before")));
        assert_eq!(request(), [3, 0, 7]);
    }
}
