-- Make a backup every this many hours (0: only by hand).
ALTER TABLE servers ADD COLUMN backup_every_hours BIGINT NOT NULL DEFAULT 0;
