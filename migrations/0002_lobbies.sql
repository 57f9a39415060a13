-- Lobbies and their match history. Settings are a JSON document (validated by the server) so
-- new settings need no migration. Times are Unix milliseconds.
CREATE TABLE lobbies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    owner_id    TEXT NOT NULL REFERENCES users(id),
    settings    TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'locked', 'closed')),
    created_at  BIGINT NOT NULL,
    closed_at   BIGINT
);
CREATE INDEX lobbies_owner ON lobbies(owner_id);

-- One row per match: who was in it, when it started and how it ended.
CREATE TABLE matches (
    id          TEXT PRIMARY KEY,
    lobby_id    TEXT NOT NULL REFERENCES lobbies(id),
    members     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    end_reason  TEXT
);
CREATE INDEX matches_lobby ON matches(lobby_id, created_at);

-- Every pair that has met in a lobby (user_a < user_b), with the last time they did: the
-- matcher's memory, reloaded when a lobby restarts so a restart causes no repeats.
CREATE TABLE match_pairs (
    lobby_id    TEXT NOT NULL REFERENCES lobbies(id),
    user_a      TEXT NOT NULL,
    user_b      TEXT NOT NULL,
    last_met_at BIGINT NOT NULL,
    PRIMARY KEY (lobby_id, user_a, user_b)
);
