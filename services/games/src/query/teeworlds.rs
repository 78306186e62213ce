//! Teeworlds 0.7's server-info query (Debian 12 ships 0.7.5). A 0.7 server answers
//! connectionless packets only from a peer that has its token, so the query is two round
//! trips on the game's UDP port (see teeworlds' `src/engine/shared/network*.cpp`):
//!
//! 1. a control packet `NET_CTRLMSG_TOKEN` with our token, padded to 512 bytes (the server
//!    ignores shorter requests, so it cannot be used to amplify traffic); the answer carries
//!    the server's token;
//! 2. a connectionless packet with both tokens and `\xff\xff\xff\xffgie3` plus a request
//!    number; the answer, `\xff\xff\xff\xffinf3`, lists the server and each client by name.
//!
//! (Teeworlds 0.6 had no token exchange and sent its numbers as strings; Debian no longer
//! ships it, so it is not asked.)

use std::hash::{BuildHasher, Hasher};

use tokio::net::UdpSocket;

use super::wire::Reader;
use super::{PlayerReport, QueryError};

const FLAG_CONTROL: u8 = 1;
const FLAG_CONNLESS: u8 = 8;
const PACKET_VERSION: u8 = 1;
const CTRLMSG_TOKEN: u8 = 5;
const TOKEN_NONE: u32 = u32::MAX;
/// The header (7 bytes) and data (512 bytes) of a token request.
const TOKEN_REQUEST_SIZE: usize = 7 + 512;
const GET_INFO: &[u8] = b"\xff\xff\xff\xffgie3";
const INFO: &[u8] = b"\xff\xff\xff\xffinf3";
/// The most clients a 0.7 server has (`MAX_CLIENTS`).
const MAX_CLIENTS: i32 = 64;

/// Step 1: asks for the server's token, giving ours.
#[must_use]
pub fn token_request(ours: u32) -> Vec<u8> {
    let mut packet = vec![FLAG_CONTROL << 2, 0, 0];
    packet.extend(TOKEN_NONE.to_be_bytes());
    packet.push(CTRLMSG_TOKEN);
    packet.extend(ours.to_be_bytes());
    packet.resize(TOKEN_REQUEST_SIZE, 0);
    packet
}

/// The server's token from its answer to [`token_request`].
///
/// # Errors
/// Not a token answer, or one meant for another token than `ours`.
pub fn parse_token(packet: &[u8], ours: u32) -> Result<u32, QueryError> {
    let mut reader = Reader::new(packet);
    let flags = reader.u8("flags")? >> 2;
    reader.take(2, "ack")?;
    let to = u32::from_be_bytes(token(reader.take(4, "token")?));
    if flags & FLAG_CONTROL == 0 || reader.u8("control message")? != CTRLMSG_TOKEN {
        return Err(QueryError::BadReply("not a token answer".to_owned()));
    }
    if to != ours {
        return Err(QueryError::BadReply("a token answer for someone else".to_owned()));
    }
    Ok(u32::from_be_bytes(token(reader.take(4, "server token")?)))
}

/// Step 2: asks for the server's info with both tokens; the server repeats `number` (0 to 63)
/// in its answer.
#[must_use]
pub fn info_request(theirs: u32, ours: u32, number: u8) -> Vec<u8> {
    let mut packet = vec![(FLAG_CONNLESS << 2) | PACKET_VERSION];
    packet.extend(theirs.to_be_bytes());
    packet.extend(ours.to_be_bytes());
    packet.extend(GET_INFO);
    packet.push(number & 0x3f);
    packet
}

/// The clients in the server's `inf3` answer (header included) to request `number`.
///
/// # Errors
/// Not an info answer to our request, or one that ends early or counts impossibly.
pub fn parse_info(packet: &[u8], number: u8) -> Result<PlayerReport, QueryError> {
    let mut reader = Reader::new(packet);
    let first = reader.u8("flags")?;
    if (first >> 2) & FLAG_CONNLESS == 0 || first & 0x03 != PACKET_VERSION {
        return Err(QueryError::BadReply("not a connectionless 0.7 packet".to_owned()));
    }
    reader.take(8, "tokens")?;
    if reader.take(INFO.len(), "kind")? != INFO {
        return Err(QueryError::BadReply("not a server info answer".to_owned()));
    }
    if reader.packed_int("request number")? != i32::from(number & 0x3f) {
        return Err(QueryError::BadReply("an answer to another request".to_owned()));
    }
    for field in ["version", "name", "host name", "map", "game type"] {
        reader.string(field)?;
    }
    for field in ["flags", "skill level", "players", "most players"] {
        reader.packed_int(field)?;
    }
    let clients = reader.packed_int("clients")?;
    reader.packed_int("most clients")?;
    if !(0..=MAX_CLIENTS).contains(&clients) {
        return Err(QueryError::BadReply(format!("{clients} clients")));
    }
    let mut names = Vec::new();
    for _ in 0..clients {
        names.push(reader.string("client name")?);
        reader.string("clan")?;
        for field in ["country", "score", "player flags"] {
            reader.packed_int(field)?;
        }
    }
    Ok(PlayerReport { online: u32::try_from(clients).unwrap_or_default(), names })
}

fn token(bytes: &[u8]) -> [u8; 4] {
    [bytes[0], bytes[1], bytes[2], bytes[3]]
}

/// A token of ours, different at each query (not a secret: it only pairs answers with us).
fn our_token() -> u32 {
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let token = u32::try_from(random & u64::from(u32::MAX)).unwrap_or_default();
    if token == TOKEN_NONE { 0 } else { token }
}

/// Asks the Teeworlds server on this machine's UDP `port`.
pub(super) async fn ask(port: u16) -> Result<PlayerReport, QueryError> {
    let socket = UdpSocket::bind(("127.0.0.1", 0)).await?;
    socket.connect(("127.0.0.1", port)).await?;
    let ours = our_token();
    let number = ours.to_be_bytes()[3] & 0x3f;
    let mut answer = [0u8; 1500];
    socket.send(&token_request(ours)).await?;
    let length = socket.recv(&mut answer).await?;
    let theirs = parse_token(&answer[..length], ours)?;
    socket.send(&info_request(theirs, ours, number)).await?;
    let length = socket.recv(&mut answer).await?;
    parse_info(&answer[..length], number)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded from Debian 12's teeworlds-server 0.7.5 with no one on (our token 0x0fa8b599,
    /// request number 5).
    const RECORDED_TOKEN: &[u8] = b"\x04\x00\x00\x0f\xa8\xb5\x99\x05\xd7\xf9\x29\x90";
    const RECORDED_INFO: &[u8] = b"\x21\x0f\xa8\xb5\x99\xd7\xf9\x29\x90\xff\xff\xff\xffinf3\x05\
        0.7.5\x00Probe\x00\x00dm1\x00DM\x00\x00\x01\x00\x08\x00\x08";

    fn info_with(clients: &[(&str, &str)]) -> Vec<u8> {
        let mut packet = b"\x21\x00\x00\x00\x01\x00\x00\x00\x02\xff\xff\xff\xffinf3\x01".to_vec();
        packet.extend(b"0.7.5\x00Family\x00\x00ctf2\x00CTF\x00\x00\x01");
        let count = u8::try_from(clients.len()).unwrap_or_default();
        packet.extend([count, 8, count, 8]);
        for (name, clan) in clients {
            packet.extend(name.as_bytes());
            packet.push(0);
            packet.extend(clan.as_bytes());
            packet.extend([0, 0x40, 0x80, 0x01, 0]);
        }
        packet
    }

    #[test]
    fn the_requests_are_as_the_server_expects() {
        let request = token_request(0x0fa8_b599);
        assert_eq!(request.len(), 519);
        assert_eq!(&request[..12], b"\x04\x00\x00\xff\xff\xff\xff\x05\x0f\xa8\xb5\x99");
        assert_eq!(
            info_request(0xd7f9_2990, 0x0fa8_b599, 5),
            b"\x21\xd7\xf9\x29\x90\x0f\xa8\xb5\x99\xff\xff\xff\xffgie3\x05"
        );
    }

    #[test]
    fn the_recorded_debian_server_has_no_one_on() {
        assert_eq!(parse_token(RECORDED_TOKEN, 0x0fa8_b599).ok(), Some(0xd7f9_2990));
        assert_eq!(parse_info(RECORDED_INFO, 5).ok(), Some(PlayerReport::default()));
    }

    #[test]
    fn clients_are_counted_and_named() {
        let report = parse_info(&info_with(&[("nameless tee", ""), ("Gran", "hearth")]), 1).map_err(|e| e.to_string());
        assert_eq!(report, Ok(PlayerReport { online: 2, names: vec!["nameless tee".to_owned(), "Gran".to_owned()] }));
    }

    #[test]
    fn bad_replies_are_refused() {
        assert!(parse_token(RECORDED_TOKEN, 1).is_err_and(|e| e.to_string().contains("someone else")));
        assert!(parse_token(RECORDED_INFO, 0x0fa8_b599).is_err());
        assert!(parse_info(RECORDED_INFO, 6).is_err_and(|e| e.to_string().contains("another request")));
        let mut cut = info_with(&[("Gran", "")]);
        cut.truncate(cut.len() - 3);
        assert!(parse_info(&cut, 1).is_err_and(|e| e.to_string().contains("ends before")));
        let mut too_many = info_with(&[]);
        let at = too_many.len() - 2;
        too_many.splice(at..=at, [0x81, 0x01]);
        assert!(parse_info(&too_many, 1).is_err_and(|e| e.to_string().contains("65 clients")));
    }
}
