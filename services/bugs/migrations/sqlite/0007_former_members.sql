-- Someone whose account was deleted (ADR 0053): their issues, comments and history stay,
-- under their name marked as a former member; they are no longer offered as an assignee.
ALTER TABLE people ADD COLUMN left_at BIGINT;
