-- Everyone who has joined a lobby, once: who may be banned from it (a member or former member;
-- issue 19). Written at the upgrade of a user's first join. Times are Unix milliseconds.
CREATE TABLE lobby_members (
    lobby_id        TEXT NOT NULL REFERENCES lobbies(id),
    user_id         TEXT NOT NULL REFERENCES users(id),
    first_joined_at BIGINT NOT NULL,
    PRIMARY KEY (lobby_id, user_id)
);
