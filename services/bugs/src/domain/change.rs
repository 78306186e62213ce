//! A change to an issue in words, as its timeline, its notifications and their emails say
//! it: "changed status from Open to Closed (fixed)".

/// What a history event did, after the name of who did it.
#[must_use]
pub fn describe(field: &str, old: Option<&str>, new: Option<&str>) -> String {
    match (field, old, new) {
        ("created", _, _) => "filed this issue".to_owned(),
        ("description", _, _) => "edited the description".to_owned(),
        ("attachment", _, Some(name)) => format!("attached {name}"),
        ("link", _, Some(link)) => format!("linked: {link}"),
        (field, _, None | Some("")) => format!("cleared {field}"),
        (field, Some(old), Some(new)) if !old.is_empty() => format!("changed {field} from {old} to {new}"),
        (field, _, Some(new)) => format!("set {field} to {new}"),
    }
}

/// The start of a comment on one line, for a notification: at most `max` characters, cut at
/// a word with `…`.
#[must_use]
pub fn excerpt(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max).collect();
    let at_word = cut.rfind(' ').filter(|at| *at > max / 2).map_or(cut.as_str(), |at| &cut[..at]);
    format!("{}…", at_word.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_a_sentence() {
        assert_eq!(
            describe("status", Some("Open"), Some("Closed (fixed)")),
            "changed status from Open to Closed (fixed)"
        );
        assert_eq!(describe("assignee", None, Some("Mum")), "set assignee to Mum");
        assert_eq!(describe("labels", Some("printer"), Some("")), "cleared labels");
        assert_eq!(describe("attachment", None, Some("shot.png")), "attached shot.png");
    }

    #[test]
    fn excerpts_are_one_line_cut_at_a_word() {
        assert_eq!(excerpt("Fixed:\n\nnew  toner", 80), "Fixed: new toner");
        assert_eq!(excerpt("The paper tray is jammed again today", 20), "The paper tray is…");
        assert_eq!(excerpt(&"é".repeat(30), 10), format!("{}…", "é".repeat(10)));
    }
}
