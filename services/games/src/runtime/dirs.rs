//! Paths a game is pointed at, checked before it starts: confined to its folder (no `..`, no
//! symlink out), and a folder the game's user can reach. What Hearth itself opens in the
//! folder goes through [`super::folder::ServerFolder`].

use std::path::{Path, PathBuf};

use crate::domain::RelativePath;

/// `path` inside `root`, refused when it (or a symlink on the way) leads outside.
///
/// # Errors
/// A message saying which path escapes, or an I/O error reading the folder.
pub fn confine(root: &Path, path: &RelativePath) -> Result<PathBuf, String> {
    let root = root.canonicalize().map_err(|e| format!("cannot open the server's folder {}: {e}", root.display()))?;
    let joined = root.join(path.as_path());
    // The deepest part of the path that exists decides where it really leads.
    let mut existing = joined.as_path();
    while !existing.exists() && existing.symlink_metadata().is_err() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => break,
        }
    }
    let real = existing.canonicalize().map_err(|_| {
        format!("{} is a broken link: it must stay inside the server's folder", path.as_path().display())
    })?;
    if real.starts_with(&root) {
        Ok(joined)
    } else {
        Err(format!(
            "{} leads outside the server's folder (to {}); remove that link",
            path.as_path().display(),
            real.display()
        ))
    }
}

/// When games run as another user, every folder above the server's must let others pass
/// (`o+x`), or the game cannot open its own folder.
///
/// # Errors
/// The first folder that stops them, with the command that fixes it.
pub fn check_reachable(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    for folder in dir.ancestors().skip(1) {
        let Ok(meta) = folder.metadata() else { continue };
        if meta.permissions().mode() & 0o001 == 0 {
            return Err(format!(
                "Game servers run as an unprivileged user, who cannot pass through {0}; run `chmod o+x {0}` \
                 or move HEARTH_DATA_DIR.",
                folder.display()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_and_links_out_are_refused() {
        let root = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        let world = RelativePath::parse("world/map").expect("path");
        assert!(confine(root.path(), &world).is_ok());
        std::os::unix::fs::symlink(outside.path(), root.path().join("world")).expect("symlink");
        let error = confine(root.path(), &world).expect_err("escape");
        assert!(error.contains("outside the server's folder"), "{error}");
        std::os::unix::fs::symlink("/nonexistent/x", root.path().join("save")).expect("symlink");
        assert!(confine(root.path(), &RelativePath::parse("save").expect("path")).is_err());
    }
}
