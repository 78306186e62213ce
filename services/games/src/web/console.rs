//! The live console: server-sent events of the server's state now, then new lines (as safe
//! HTML) after the last one the page already shows, and state changes. Hearth's events and
//! typed commands are set apart from what the game prints ([`line_html`]). Every
//! [`FIGURES_EVERY`], a `figures` event carries uptime, CPU, memory and players (JSON of
//! [`Figures`]).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use hearth_shared::{AppResult, CurrentUser};
use serde::Deserialize;
use tokio::sync::broadcast;

use super::figures::Figures;
use crate::AppState;
use crate::domain::ansi;
use crate::runtime::ConsoleEvent;
use crate::runtime::console::{Line, Source};

/// How often the page's figures are brought up to date.
pub const FIGURES_EVERY: Duration = Duration::from_secs(2);

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
    let missed: Vec<Line> = console.snapshot().into_iter().filter(|line| line.seq > after).collect();
    let last = missed.last().map_or(after, |line| line.seq);
    let backlog = futures_util::stream::iter(missed.iter().map(|line| Ok(line_event(line))).collect::<Vec<_>>());
    let live = futures_util::stream::unfold((receiver, last), |(mut receiver, mut last)| async move {
        loop {
            match receiver.recv().await {
                Ok(ConsoleEvent::Line(line)) if line.seq > last => {
                    last = line.seq;
                    return Some((Ok(line_event(&line)), (receiver, last)));
                }
                Ok(ConsoleEvent::Line(_)) => {}
                Ok(ConsoleEvent::State(state)) => return Some((Ok(state_event(&state)), (receiver, last))),
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    let note = Line {
                        seq: 0,
                        source: Source::Hearth,
                        text: format!("{skipped} lines left out here: they came too fast to show."),
                    };
                    return Some((Ok(Event::default().event("line").data(line_html(&note))), (receiver, last)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let lines = futures_util::StreamExt::chain(current, futures_util::StreamExt::chain(backlog, live));
    let figures = futures_util::stream::unfold((state, user), move |(state, user)| async move {
        tokio::time::sleep(FIGURES_EVERY).await;
        let server = state.manager.get(&user, id).await.ok()?;
        let event = Event::default().event("figures").json_data(Figures::of(&server)).ok()?;
        Some((Ok(event), (state, user)))
    });
    let stream = futures_util::stream::select(lines, figures);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn state_event(state: &str) -> Event {
    Event::default().event("state").data(state)
}

fn line_event(line: &Line) -> Event {
    Event::default().event("line").id(line.seq.to_string()).data(line_html(line))
}

/// A console line as safe HTML: the game's with its colours, Hearth's events and typed
/// commands each in a span of their own class.
#[must_use]
pub fn line_html(line: &Line) -> String {
    match line.source {
        Source::Game => ansi::to_html(&line.text),
        Source::Hearth => format!("<span class=\"console-event\">{}</span>", ansi::to_html(&line.text)),
        Source::Typed => format!("<span class=\"console-typed\">&gt; {}</span>", ansi::to_html(&line.text)),
    }
}
