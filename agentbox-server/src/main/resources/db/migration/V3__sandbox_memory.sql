-- The memory limit of each sandbox, so that a workspace's total over its live sandboxes can be held to
-- a quota. Sandboxes recorded before this column were created with the default of 1024 MiB.
ALTER TABLE sandboxes ADD COLUMN memory_mb BIGINT NOT NULL DEFAULT 1024;
