-- What the photo viewer shows (issue 13). The offset from UTC the camera's clock was at, when
-- its EXIF says (OffsetTimeOriginal), in minutes; NULL when it does not, and then taken_at is
-- the camera's clock read as UTC. The exposure, as the camera recorded it: the time as a
-- fraction of seconds ("1/250"), the f-number and the focal length (mm) in hundredths, the ISO
-- speed, the focal length a 35 mm camera would have needed.
ALTER TABLE items ADD COLUMN taken_offset_minutes BIGINT;
ALTER TABLE items ADD COLUMN exposure_time TEXT;
ALTER TABLE items ADD COLUMN f_number_hundredths BIGINT;
ALTER TABLE items ADD COLUMN iso BIGINT;
ALTER TABLE items ADD COLUMN focal_length_hundredths BIGINT;
ALTER TABLE items ADD COLUMN focal_length_35mm BIGINT;
-- Who made a share link, as the family knew them then, for its guests to read.
ALTER TABLE shares ADD COLUMN owner_name TEXT;
