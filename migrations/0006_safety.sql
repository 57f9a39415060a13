-- Safety (issue 17): a member's blocks and reports. Times are Unix milliseconds.
-- A block is per user, for every lobby: the pair is never matched again and signals between
-- them are refused. Both rows go when either account is deleted (Database::delete_user).
CREATE TABLE user_blocks (
    blocker_id TEXT NOT NULL REFERENCES users(id),
    blocked_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX user_blocks_blocked ON user_blocks(blocked_id);

-- A report about a member, made in a lobby; its owner sees it until they dismiss it (deleted).
CREATE TABLE lobby_reports (
    id          TEXT PRIMARY KEY,
    lobby_id    TEXT NOT NULL REFERENCES lobbies(id),
    reporter_id TEXT NOT NULL REFERENCES users(id),
    reported_id TEXT NOT NULL REFERENCES users(id),
    reason      TEXT NOT NULL,
    details     TEXT NOT NULL,
    match_id    TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX lobby_reports_lobby ON lobby_reports(lobby_id, created_at);
CREATE INDEX lobby_reports_reporter ON lobby_reports(reporter_id, lobby_id, created_at);
CREATE INDEX lobby_reports_reported ON lobby_reports(reported_id);
