-- A trigram index of `issues.search_text` (docs/adr/0022). It only narrows which issues a
-- word search reads; the LIKE on `search_text` still decides, as on PostgreSQL. External
-- content (the text stays in `issues` only), no positions (`detail=none`): a search asks for
-- issues holding every trigram of the word. The triggers keep it in step with every write
-- (issues are never deleted; a stale entry could only add a candidate, never hide a match).
CREATE VIRTUAL TABLE issue_search USING fts5 (
    search_text,
    content = 'issues',
    content_rowid = 'id',
    tokenize = 'trigram',
    detail = none
);
INSERT INTO issue_search (issue_search) VALUES ('rebuild');

CREATE TRIGGER issue_search_insert AFTER INSERT ON issues BEGIN
    INSERT INTO issue_search (rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE TRIGGER issue_search_update AFTER UPDATE OF search_text ON issues BEGIN
    INSERT INTO issue_search (issue_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO issue_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
