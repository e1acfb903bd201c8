-- Operators run the installation: they may set any workspace's tier.
ALTER TABLE users ADD COLUMN operator BOOLEAN NOT NULL DEFAULT FALSE;
