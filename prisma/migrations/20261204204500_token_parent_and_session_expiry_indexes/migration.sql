-- Deleting a refresh token sets its children's parent_id to NULL, and without this index every
-- delete scans refresh_tokens (measured: 102 s vs 0.14 s for 5,000 deletions among 200,000 tokens).
-- No semicolons in comments: the driver adapter splits migration scripts on every semicolon.
CREATE INDEX "refresh_tokens_parent_id_idx" ON "refresh_tokens"("parent_id");

-- Cleanup of sessions past their absolute lifetime.
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");
