//! Actions on the items picked in a grid (the timeline, an album, a search): one form, whose
//! buttons post to `/photos/selection/{album,zip,trash,visibility}`. Each answers with a
//! redirect back to the page the person was on, and a notice across it ([`Notice`]): what was
//! done, what was left as it was, and after the trash, "Undo".

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use hearth_shared::cookies::secure_for;
use hearth_shared::flash;
use hearth_shared::{AppError, AppResult, CurrentUser};
use serde::{Deserialize, Serialize};

use super::zip_stream::{ZipEntry, zip_response};
use crate::AppState;
use crate::domain::{ReturnPath, Visibility};
use crate::selection::{MAX_SELECTED, Outcome};

/// Most items an "Undo" brings back: their ids travel in a cookie, which holds about 4 kB.
const MAX_UNDO: usize = 200;

/// What a page says after an action on a selection (carried by [`flash`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Notice {
    pub text: String,
    /// The items the notice's "Undo" brings back from the trash.
    #[serde(default)]
    pub undo: Vec<i64>,
    /// A link to follow: its address and words.
    pub link: Option<(String, String)>,
}

impl Notice {
    fn new(text: String) -> Self {
        Self { text, undo: Vec::new(), link: None }
    }
}

/// The selection form: the items ticked, where it was sent from, and the fields of the button
/// that sent it.
#[derive(Debug)]
struct SelectionForm {
    items: Vec<i64>,
    back: ReturnPath,
    album_id: Option<String>,
    /// The name of the album to make, when `album_id` is `new`.
    new_album: Option<String>,
    visibility: Option<String>,
}

impl SelectionForm {
    /// # Errors
    /// No item, too many, or an item that is not a number.
    fn parse(body: &str) -> AppResult<Self> {
        let mut form =
            Self { items: Vec::new(), back: ReturnPath::timeline(), album_id: None, new_album: None, visibility: None };
        for (key, value) in url::form_urlencoded::parse(body.as_bytes()) {
            match key.as_ref() {
                "item" => {
                    let id = value.trim().parse().map_err(|_| {
                        AppError::Invalid(format!("{value:?} is not an item: pick items from the page."))
                    })?;
                    if !form.items.contains(&id) {
                        form.items.push(id);
                    }
                }
                "back" => form.back = ReturnPath::parse(&value),
                "album_id" => form.album_id = Some(value.into_owned()),
                "new_album" => form.new_album = Some(value.into_owned()),
                "visibility" => form.visibility = Some(value.into_owned()),
                _ => {}
            }
        }
        if form.items.is_empty() {
            return Err(AppError::Invalid("Pick at least one item first (tap and hold one, or tick it).".to_owned()));
        }
        if form.items.len() > MAX_SELECTED {
            return Err(AppError::Invalid(format!(
                "That is {} items; pick at most {MAX_SELECTED} at a time.",
                form.items.len()
            )));
        }
        Ok(form)
    }
}

/// `1 item`, `3 items`.
fn items(count: usize) -> String {
    if count == 1 { "1 item".to_owned() } else { format!("{count} items") }
}

/// What was left as it was, after the sentence of what was done.
fn with_skipped(done: String, outcome: &Outcome, why: &str) -> String {
    match outcome.skipped {
        0 => done,
        1 => format!("{done} 1 item {why}, and stays as it was."),
        n => format!("{done} {n} items {why}, and stay as they were."),
    }
}

/// Back to the page the form came from, with `notice` for it.
fn back_with(headers: &HeaderMap, state: &AppState, back: &ReturnPath, notice: &Notice) -> Response {
    // The notice is for the page's path; the address keeps its query (a search's words).
    let mut response = flash::redirect(back.path(), notice, secure_for(headers, state.service.config.secure_cookies));
    if let Ok(location) = HeaderValue::from_str(back.as_str()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// "Add to album": one of the user's, or a new one (shared with the family, as the albums
/// page makes them) named in the form.
pub async fn add_to_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    body: String,
) -> AppResult<Response> {
    let form = SelectionForm::parse(&body)?;
    let album_id = match form.album_id.as_deref().map(str::trim) {
        Some("new") => {
            let name = form.new_album.as_deref().unwrap_or_default();
            state.library.create_album(&user, name, Visibility::Family).await?.id
        }
        Some(id) => id.parse::<i64>().map_err(|_| AppError::Invalid("Choose the album to add them to.".to_owned()))?,
        None => return Err(AppError::Invalid("Choose the album to add them to.".to_owned())),
    };
    let (album, outcome) = state.library.add_selected_to_album(&user, album_id, &form.items).await?;
    let done = format!("Added {} to {}.", items(outcome.done.len()), album.name);
    let mut notice = Notice::new(with_skipped(done, &outcome, "is in the trash or not shared with you"));
    notice.link = Some((format!("/photos/albums/{album_id}"), "Open the album".to_owned()));
    Ok(back_with(&headers, &state, &form.back, &notice))
}

/// "Download": the originals of the selection the user sees, as one zip.
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    body: String,
) -> AppResult<Response> {
    let form = SelectionForm::parse(&body)?;
    let files = state.library.selected_files(&user, &form.items).await?;
    let entries = files.into_iter().map(|(item, path)| ZipEntry::of(&item, item.file_name.clone(), path)).collect();
    Ok(zip_response("Hearth photos", entries))
}

/// "Move to trash", with "Undo" on the page it returns to.
pub async fn trash(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    body: String,
) -> AppResult<Response> {
    let form = SelectionForm::parse(&body)?;
    let outcome = state.library.trash_selected(&user, &form.items).await?;
    let done = format!("Moved {} to the trash.", items(outcome.done.len()));
    let mut notice = Notice::new(with_skipped(done, &outcome, "is not yours to delete"));
    if outcome.done.len() <= MAX_UNDO {
        notice.undo = outcome.done;
    } else {
        notice.link = Some(("/photos/trash".to_owned(), "Restore from the trash".to_owned()));
    }
    Ok(back_with(&headers, &state, &form.back, &notice))
}

/// "Undo" after the trash: the items back where they were.
pub async fn restore(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    body: String,
) -> AppResult<Response> {
    let form = SelectionForm::parse(&body)?;
    let outcome = state.library.restore_selected(&user, &form.items).await?;
    let done = format!("Brought back {}.", items(outcome.done.len()));
    let notice = Notice::new(with_skipped(done, &outcome, "was no longer in the trash"));
    Ok(back_with(&headers, &state, &form.back, &notice))
}

/// "Share with the family" and "Make private".
pub async fn visibility(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    body: String,
) -> AppResult<Response> {
    let form = SelectionForm::parse(&body)?;
    let visibility = Visibility::parse(form.visibility.as_deref().unwrap_or_default())?;
    let outcome = state.library.set_visibility_selected(&user, &form.items, visibility).await?;
    let done = match visibility {
        Visibility::Family => format!("The family now sees {}.", items(outcome.done.len())),
        Visibility::Private => format!("Only you see {} now.", items(outcome.done.len())),
    };
    let notice = Notice::new(with_skipped(done, &outcome, "was uploaded by someone else"));
    Ok(back_with(&headers, &state, &form.back, &notice))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_is_read_from_the_form() {
        let form = SelectionForm::parse("csrf_token=x&item=3&item=5&item=3&back=%2Fphotos%2Falbums%2F2&album_id=2")
            .expect("a selection");
        assert_eq!(form.items, [3, 5], "each item once");
        assert_eq!(form.back.as_str(), "/photos/albums/2");
        assert_eq!(form.album_id.as_deref(), Some("2"));
    }

    #[test]
    fn a_form_that_is_not_a_selection_says_what_to_do() {
        let none = SelectionForm::parse("back=%2Fphotos%2F").expect_err("empty");
        assert!(none.to_string().contains("Pick at least one"), "{none}");
        let word = SelectionForm::parse("item=three").expect_err("not a number");
        assert!(word.to_string().contains("\"three\" is not an item"), "{word}");
        let many: String = (0..=MAX_SELECTED).map(|id| format!("item={id}&")).collect();
        assert!(SelectionForm::parse(&many).is_err());
        let elsewhere = SelectionForm::parse("item=1&back=https%3A%2F%2Fexample.com").expect("a selection");
        assert_eq!(elsewhere.back, ReturnPath::timeline());
    }

    #[test]
    fn what_was_left_is_said() {
        let outcome = Outcome { done: vec![1, 2], skipped: 1 };
        assert_eq!(
            with_skipped("Moved 2 items to the trash.".to_owned(), &outcome, "is not yours to delete"),
            "Moved 2 items to the trash. 1 item is not yours to delete, and stays as it was."
        );
    }
}
