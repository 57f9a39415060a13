-- Accounts (issue 17): deleting a user leaves a tombstone row under a fresh anonymous id, which
-- takes over the user's place in the match history (match_pairs, matches.members) and as the
-- owner of their closed lobbies, so no-repeat matching still holds and foreign keys still
-- point somewhere; the tombstone has no name and a token hash no token can have. deleted_at
-- (Unix milliseconds) marks it: it is never found as a user.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;

-- What deletion looks up by user (the primary keys lead with the lobby).
CREATE INDEX match_pairs_user_a ON match_pairs(user_a);
CREATE INDEX match_pairs_user_b ON match_pairs(user_b);
CREATE INDEX lobby_members_user ON lobby_members(user_id);
CREATE INDEX lobby_bans_user ON lobby_bans(user_id);
