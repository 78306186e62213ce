//! The live console: server-sent events of the server's state now, then new lines (as safe
//! HTML) after the last one the page already shows, and state changes.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use hearth_shared::{AppResult, CurrentUser};
use serde::Deserialize;
use tokio::sync::broadcast;

use crate::AppState;
use crate::domain::ansi;
use crate::runtime::ConsoleEvent;

#[derive(Deserialize)]
pub struct After {
    /// The number of the last line the page shows.
    #[serde(default)]
    after: u64,
}

pub async fn events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Query(After { after }): Query<After>,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    state.manager.get(&user, id).await?;
    let console = state.manager.console(id);
    let receiver = console.subscribe();
    // Read after subscribing: a change made since the page was rendered (a server that
    // stopped while the page loaded) is not lost, and any later one arrives live.
    let now = state.manager.get(&user, id).await?.state;
    let current = futures_util::stream::once(async move { Ok(state_event(now.as_str())) });
    let missed: Vec<(u64, String)> = console.snapshot().into_iter().filter(|(seq, _)| *seq > after).collect();
    let last = missed.last().map_or(after, |(seq, _)| *seq);
    let backlog = futures_util::stream::iter(missed.into_iter().map(|(seq, text)| Ok(line_event(seq, &text))));
    let live = futures_util::stream::unfold((receiver, last), |(mut receiver, mut last)| async move {
        loop {
            match receiver.recv().await {
                Ok(ConsoleEvent::Line { seq, text }) if seq > last => {
                    last = seq;
                    return Some((Ok(line_event(seq, &text)), (receiver, last)));
                }
                Ok(ConsoleEvent::Line { .. }) => {}
                Ok(ConsoleEvent::State(state)) => return Some((Ok(state_event(&state)), (receiver, last))),
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    let note = format!("[hearth] {skipped} lines skipped (too fast to show)");
                    return Some((Ok(Event::default().event("line").data(ansi::to_html(&note))), (receiver, last)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let stream = futures_util::StreamExt::chain(current, futures_util::StreamExt::chain(backlog, live));
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn state_event(state: &str) -> Event {
    Event::default().event("state").data(state)
}

fn line_event(seq: u64, text: &str) -> Event {
    Event::default().event("line").id(seq.to_string()).data(ansi::to_html(text))
}
