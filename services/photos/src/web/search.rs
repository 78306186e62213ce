//! The search page: the form, and its results as a grid, with the documents whose text matched
//! listed first, each with the words around the match.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::Flash;
use hearth_shared::layout::{PageContext, render_with_status};
use hearth_shared::{AppResult, CurrentUser};

use super::pages::{SelectionBar, TIMELINE_PAGE, page};
use super::tiles::Tile;
use super::viewer::ViewerQuery;
use crate::AppState;
use crate::api::{SearchParams, cursor_of, parse_cursor};
use crate::domain::search::Snippet;

/// A document found by its text: its tile, and the words around the first match.
struct DocumentHit {
    tile: Tile,
    snippet: Option<Snippet>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: PageContext,
    params: SearchParams,
    error: Option<String>,
    /// Whether a search was made (and so results are shown, maybe none).
    searched: bool,
    documents: Vec<DocumentHit>,
    tiles: Vec<Tile>,
    /// The link to the next page of results.
    next_cursor: Option<String>,
    selection: SelectionBar,
}

/// The search form and its results; a malformed date is explained beside the form.
pub async fn search(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
    Query(params): Query<SearchParams>,
) -> AppResult<Response> {
    let viewer = ViewerQuery::of_search(&params.q, &params.camera, &params.album, &params.from, &params.to);
    let suffix = viewer.suffix();
    let query = params.query().and_then(|query| Ok((query, parse_cursor(params.cursor.as_deref())?)));
    let mut found = SearchPage {
        ctx: page("Search", user.clone(), &csrf),
        error: None,
        searched: false,
        documents: Vec::new(),
        tiles: Vec::new(),
        next_cursor: None,
        selection: SelectionBar::new(&state, &user, format!("/photos/search{suffix}"), false, &flash).await?,
        params: SearchParams::default(),
    };
    let status = match query {
        Ok((query, _)) if query.is_empty() => StatusCode::OK,
        Ok((query, cursor)) => {
            let results = state.library.search(&user, &query, cursor, TIMELINE_PAGE).await?;
            found.searched = true;
            found.next_cursor = results.next.map(|next| more_link(&params, next));
            let word = query.words.first();
            for row in results.items {
                if row.kind == "document"
                    && let Some(word) = word
                {
                    let snippet = state
                        .library
                        .text_around(&row, word)
                        .await?
                        .map(|(cut, text)| Snippet::around(&text, word, cut));
                    found.documents.push(DocumentHit { tile: Tile::member(row, &suffix), snippet });
                } else {
                    found.tiles.push(Tile::member(row, &suffix));
                }
            }
            StatusCode::OK
        }
        Err(e) => {
            found.error = Some(e.to_string());
            e.status()
        }
    };
    found.params = params;
    let page = render_with_status(status, &found)?;
    Ok((flash, page).into_response())
}

/// The same search, from the next page on.
fn more_link(params: &SearchParams, next: (i64, i64)) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &params.q)
        .append_pair("camera", &params.camera)
        .append_pair("album", &params.album)
        .append_pair("from", &params.from)
        .append_pair("to", &params.to)
        .append_pair("cursor", &cursor_of(next))
        .finish();
    format!("/photos/search?{query}")
}
