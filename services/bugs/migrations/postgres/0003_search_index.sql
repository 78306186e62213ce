-- A trigram index of `issues.search_text` (docs/adr/0022): pg_trgm's GIN index serves the
-- very `search_text LIKE '%…%'` a word search runs, and rechecks every candidate, so the
-- results stay exactly those of the LIKE. PostgreSQL keeps it in step with every write.
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it. It
-- lives in `public`, where every service's schema can use it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX issues_search_trigrams ON issues USING gin (search_text public.gin_trgm_ops);
