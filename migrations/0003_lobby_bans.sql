-- Owner bans: a kicked user may be kept out of a lobby until a time (Unix milliseconds).
CREATE TABLE lobby_bans (
    lobby_id     TEXT NOT NULL REFERENCES lobbies(id),
    user_id      TEXT NOT NULL,
    banned_until BIGINT NOT NULL,
    PRIMARY KEY (lobby_id, user_id)
);
