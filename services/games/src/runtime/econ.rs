//! A game's external console over TCP on this machine (Teeworlds' econ): connected on the
//! first command, with the password the template wrote for this start, and kept open; a
//! broken connection is made again once. What the game answers there it also prints on its
//! own output, which the console already shows, so the connection's output is read and let go.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Mutex;

/// How long connecting, signing in or writing a command may take.
const WAIT: Duration = Duration::from_secs(5);
/// The most read while waiting for the game's answer to the password.
const MOST_READ_SIGNING_IN: usize = 8 * 1024;

/// The external console of one run.
#[derive(Debug)]
pub struct Econ {
    port: u16,
    password: String,
    connection: Mutex<Option<OwnedWriteHalf>>,
}

impl Econ {
    #[must_use]
    pub fn new(port: u16, password: String) -> Self {
        Self { port, password, connection: Mutex::new(None) }
    }

    /// Writes one command.
    ///
    /// # Errors
    /// The game does not listen yet, refuses the password, or does not take the command;
    /// said for the family.
    pub async fn send(&self, line: &str) -> Result<(), String> {
        let mut connection = self.connection.lock().await;
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        for _ in 0..2 {
            let writer = match connection.as_mut() {
                Some(writer) => writer,
                None => connection.insert(self.connect().await?),
            };
            if matches!(tokio::time::timeout(WAIT, writer.write_all(&bytes)).await, Ok(Ok(()))) {
                return Ok(());
            }
            *connection = None;
        }
        Err("The server's console stopped answering; try again in a moment.".to_owned())
    }

    async fn connect(&self) -> Result<OwnedWriteHalf, String> {
        let not_ready = || "The server's console is not open yet; try again once it is running.".to_owned();
        let stream = tokio::time::timeout(WAIT, TcpStream::connect(("127.0.0.1", self.port)))
            .await
            .map_err(|_| not_ready())?
            .map_err(|_| not_ready())?;
        let (mut reader, mut writer) = stream.into_split();
        let signed_in = tokio::time::timeout(WAIT, async {
            read_until(&mut reader, "password").await?;
            writer.write_all(format!("{}\n", self.password).as_bytes()).await.ok()?;
            read_until(&mut reader, "successful").await
        })
        .await;
        if !matches!(signed_in, Ok(Some(()))) {
            tracing::warn!(port = self.port, "a game's external console did not take its password");
            return Err("The server's console did not let Hearth in; restart the server.".to_owned());
        }
        tokio::spawn(drain(reader));
        Ok(writer)
    }
}

/// Reads until `word` has been seen (`None` when the connection ends or says too much first).
async fn read_until(reader: &mut OwnedReadHalf, word: &str) -> Option<()> {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 512];
    while seen.len() < MOST_READ_SIGNING_IN {
        let read = reader.read(&mut buffer).await.ok().filter(|n| *n > 0)?;
        seen.extend_from_slice(&buffer[..read]);
        if String::from_utf8_lossy(&seen).contains(word) {
            return Some(());
        }
    }
    None
}

/// Reads what the game sends on the connection until it ends.
async fn drain(mut reader: OwnedReadHalf) {
    let mut buffer = [0u8; 4096];
    while matches!(reader.read(&mut buffer).await, Ok(n) if n > 0) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncBufReadExt as _;

    /// A stand-in for Teeworlds' econ: asks for the password, then records each command.
    async fn fake_econ(password: &'static str) -> (u16, tokio::sync::mpsc::Receiver<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (commands, received) = tokio::sync::mpsc::channel(8);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let commands = commands.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = tokio::io::BufReader::new(read).lines();
                    let _ = write.write_all(b"Enter password:\n\0").await;
                    if lines.next_line().await.ok().flatten().as_deref() != Some(password) {
                        let _ = write.write_all(b"Wrong password 1/3.\n\0").await;
                        return;
                    }
                    let _ = write.write_all(b"Authentication successful. External console access granted.\n\0").await;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let _ = write.write_all(format!("[server]: cmd='{line}'\n\0").as_bytes()).await;
                        let _ = commands.send(line).await;
                    }
                });
            }
        });
        (port, received)
    }

    #[tokio::test]
    async fn commands_reach_the_game_after_its_password() {
        let (port, mut received) = fake_econ("s3cret").await;
        let econ = Econ::new(port, "s3cret".to_owned());
        econ.send("say hello").await.expect("sent");
        econ.send("change_map dm2").await.expect("sent on the same connection");
        assert_eq!(received.recv().await.as_deref(), Some("say hello"));
        assert_eq!(received.recv().await.as_deref(), Some("change_map dm2"));
    }

    #[tokio::test]
    async fn a_refused_password_or_no_console_is_said() {
        let (port, _received) = fake_econ("s3cret").await;
        let refused = Econ::new(port, "wrong".to_owned()).send("say hi").await.expect_err("refused");
        assert!(refused.contains("did not let Hearth in"), "{refused}");
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = closed.local_addr().expect("address").port();
        drop(closed);
        let nobody = Econ::new(port, "x".to_owned()).send("say hi").await.expect_err("nobody listens");
        assert!(nobody.contains("not open yet"), "{nobody}");
    }
}
