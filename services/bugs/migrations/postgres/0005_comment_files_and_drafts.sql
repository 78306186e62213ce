-- One comment box takes text and a file (docs/adr/0059): a file sent with a comment belongs
-- to it and is shown under it; a file sent alone, or with the issue, has no comment.
ALTER TABLE attachments ADD COLUMN comment_id BIGINT REFERENCES comments (id);

-- What someone typed into a form with a file that was refused: the form answers with a
-- redirect (so its URL, which carries the CSRF token, does not stay in the address bar) and
-- the page it leads to puts this back. One per person and form; taken when shown.
CREATE TABLE drafts (
    owner_id BIGINT NOT NULL,
    -- Which form: `new:HOME` (filing into HOME) or `comment:HOME-12`.
    place TEXT NOT NULL,
    -- The typed fields as JSON.
    fields TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (owner_id, place)
);
