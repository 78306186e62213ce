-- The bug tracker. Times are Unix seconds; people are the portal's user ids, with the names
-- last seen in `people` (services never read each other's tables).
CREATE TABLE people (
    user_id BIGINT PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX people_by_username ON people (username);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- family: every signed-in person; admins: family admins only.
    visibility TEXT NOT NULL CHECK (visibility IN ('family', 'admins')),
    -- The number the next issue gets (HOME-1, HOME-2, ...).
    next_number BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE issues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    resolution TEXT CHECK (resolution IN ('fixed', 'wont_fix', 'duplicate')),
    duplicate_of BIGINT REFERENCES issues (id),
    -- 0 low, 1 normal, 2 high, 3 urgent.
    priority BIGINT NOT NULL,
    reporter_id BIGINT NOT NULL,
    assignee_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- Title, description and comments, lowercased in Rust (docs/adr/0020).
    search_text TEXT NOT NULL DEFAULT '',
    UNIQUE (project_id, number)
);
CREATE INDEX issues_updated ON issues (updated_at DESC, id DESC);
CREATE INDEX issues_priority ON issues (priority DESC, id DESC);
-- priority:high in the default order, without sorting every issue of that priority.
CREATE INDEX issues_priority_updated ON issues (priority, updated_at DESC, id DESC);
CREATE INDEX issues_project_updated ON issues (project_id, updated_at DESC, id DESC);
CREATE INDEX issues_status ON issues (status, updated_at DESC, id DESC);
-- Counts of open issues per project, from the index alone.
CREATE INDEX issues_project_status ON issues (project_id, status);
CREATE INDEX issues_assignee ON issues (assignee_id);
CREATE INDEX issues_reporter ON issues (reporter_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    author_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX comments_by_issue ON comments (issue_id, id);

CREATE TABLE labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    colour TEXT NOT NULL
);

CREATE TABLE issue_labels (
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    label_id BIGINT NOT NULL REFERENCES labels (id),
    PRIMARY KEY (issue_id, label_id)
);
CREATE INDEX issue_labels_by_label ON issue_labels (label_id, issue_id);

CREATE TABLE links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_issue_id BIGINT NOT NULL REFERENCES issues (id),
    to_issue_id BIGINT NOT NULL REFERENCES issues (id),
    kind TEXT NOT NULL CHECK (kind IN ('duplicate_of', 'relates_to', 'blocks')),
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (from_issue_id, to_issue_id, kind)
);
CREATE INDEX links_to ON links (to_issue_id);

-- Every change to an issue, for its timeline: what changed (`field`), from and to.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    actor_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX events_by_issue ON events (issue_id, id);

-- Files attached to an issue; the bytes are in the blob store under their SHA-256.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_by_issue ON attachments (issue_id, id);

CREATE TABLE saved_views (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (owner_id, name)
);
