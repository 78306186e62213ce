-- A fresh tracker has a project to file bugs into (docs/adr/0057): "Home", seen by the whole
-- family, made by this migration, which runs once per database, and only when it has no
-- project yet (an existing install that has projects gets none). `created_by` 0 is Hearth itself.
INSERT INTO projects (key, name, description, visibility, created_by, created_at)
SELECT 'HOME', 'Home', 'Anything at home that needs fixing.', 'family', 0, CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)
WHERE NOT EXISTS (SELECT 1 FROM projects);
