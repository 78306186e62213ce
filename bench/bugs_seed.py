#!/usr/bin/env python3
"""Seeds the bugs service's SQLite database (already migrated by the service) with a family's
worst case: ISSUES issues over 4 projects and COMMENTS comments, labels, people; search keys
made as the service makes them (lowercased, whitespace folded). One transaction.

usage: bugs_seed.py <bugs.db> <issues> <comments> <reporter user id>
"""
import random
import sqlite3
import sys
import time

WORDS = ("printer paper jam wifi router slow kitchen game server minecraft minetest door bell light "
         "garden gate heating boiler laptop phone charger screen broken crash update password login "
         "photo album upload backup disk full noise smell leak tap oven clock battery remote tv").split()
LABELS = [("printer", "#c2410c"), ("network", "#1d4ed8"), ("games", "#15803d"), ("house", "#a16207"),
          ("wontfix", "#6b7280"), ("urgent", "#b91c1c")]
STATUSES = ["open", "open", "in_progress", "resolved", "closed", "closed"]


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def key(text):
    return " ".join(text.split()).lower()


def main():
    path, issues, comments, reporter = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(42)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    started = time.monotonic()
    now = int(time.time())
    with db:
        db.execute("INSERT OR IGNORE INTO people (user_id, username, display_name, seen_at) VALUES (?, 'mum', 'Mum', ?)",
                   (reporter, now))
        for uid, name in [(9001, "kid"), (9002, "grandpa")]:
            db.execute("INSERT INTO people (user_id, username, display_name, seen_at) VALUES (?, ?, ?, ?)",
                       (uid, name, name.title(), now))
        people = [reporter, 9001, 9002]
        projects = []
        # HOME exists already: the service made it when it first started (docs/adr/0057).
        for project_key, name in [("HOME", "Home"), ("NET", "Network"), ("GAMES", "Games"), ("LAB", "Homelab")]:
            db.execute("INSERT OR IGNORE INTO projects (key, name, description, visibility, next_number, created_by, "
                       "created_at) VALUES (?, ?, '', 'family', 1, ?, ?)", (project_key, name, reporter, now))
            (project_id,) = db.execute("SELECT id FROM projects WHERE key = ?", (project_key,)).fetchone()
            projects.append([project_id, 0])
        label_ids = [db.execute("INSERT INTO labels (name, colour) VALUES (?, ?)", label).lastrowid for label in LABELS]
        issue_rows, label_rows, texts = [], [], {}
        for i in range(issues):
            project = projects[i % len(projects)]
            project[1] += 1
            title = sentence(rng, rng.randint(3, 8)).capitalize()
            description = sentence(rng, rng.randint(10, 40))
            created = now - (issues - i) * 60
            status = rng.choice(STATUSES)
            resolution = "fixed" if status in ("resolved", "closed") else None
            assignee = rng.choice(people + [None, None])
            issue_id = i + 1
            texts[issue_id] = [key(f"{title} {description}")]
            issue_rows.append((issue_id, project[0], project[1], title, description, status, resolution,
                               rng.choice([0, 1, 1, 1, 2, 3]), rng.choice(people), assignee, created, created))
            for label_id in rng.sample(label_ids, rng.choice([0, 1, 1, 2])):
                label_rows.append((issue_id, label_id))
        comment_rows = []
        for c in range(comments):
            issue_id = rng.randint(1, issues)
            body = sentence(rng, rng.randint(5, 25))
            texts[issue_id].append(key(body))
            comment_rows.append((issue_id, rng.choice(people), body, issue_rows[issue_id - 1][10] + c % 3600))
        # Each issue is written once with its whole search key, so the trigram index
        # (docs/adr/0022, kept by triggers) reads each text once.
        db.executemany("INSERT INTO issues (id, project_id, number, title, description, status, resolution, priority, "
                       "reporter_id, assignee_id, created_at, updated_at, search_text) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (row + (" ".join(texts[row[0]]),) for row in issue_rows))
        db.executemany("INSERT INTO issue_labels (issue_id, label_id) VALUES (?, ?)", label_rows)
        db.executemany("INSERT INTO comments (issue_id, author_id, body, created_at) VALUES (?, ?, ?, ?)", comment_rows)
        db.executemany("INSERT INTO events (issue_id, actor_id, at, field) VALUES (?, ?, ?, 'created')",
                       ((r[0], r[8], r[10]) for r in issue_rows))
        for project_id, count in projects:
            db.execute("UPDATE projects SET next_number = ? WHERE id = ?", (count + 1, project_id))
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(f"seeded {issues} issues and {comments} comments in {time.monotonic() - started:.1f} s")


main()
