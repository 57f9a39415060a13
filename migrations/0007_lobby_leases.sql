-- Lobby leases (issue 18, docs/scaling.md): in multi-node mode (--cluster, PostgreSQL only) a node
-- holds a row here for every lobby whose actor it runs. node_id is the holder, expires_at the
-- database's own clock (now() + the lease TTL at the last acquire or renew), so the nodes' clocks
-- never matter. A row whose expires_at has passed may be taken over by any node; the holder
-- renews it while the lobby lives and deletes it when the lobby stops or the node drains.
-- SQLite gets the table too (one schema for both backends) but never uses it: single-node only.
CREATE TABLE lobby_leases (
    lobby_id   TEXT PRIMARY KEY,
    node_id    TEXT NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX lobby_leases_node ON lobby_leases (node_id);
