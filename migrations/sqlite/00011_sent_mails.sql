-- Mail the server sends for its users (replies, trailers, "applied,
-- thanks"), keyed by the Message-ID it generated: shown in the thread as
-- "sent, waiting for the list" until the list's copy comes back through
-- parsemail and is stored as an ordinary comment with that Message-ID.
-- A refused send stays here as a draft with its error; a retry reuses
-- the row and so the Message-ID. reply_settings holds each project's
-- reply rules (no row: the defaults).

-- +goose Up
CREATE TABLE sent_mails (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    msgid      TEXT NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    patch_id   INTEGER REFERENCES patches (id) ON DELETE CASCADE,
    cover_id   INTEGER REFERENCES covers (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    rcpt       TEXT NOT NULL,
    raw        BLOB NOT NULL,
    error_msg  TEXT NOT NULL,
    created    DATETIME NOT NULL,
    sent       DATETIME
);
CREATE INDEX sent_mails_patch ON sent_mails (patch_id);
CREATE INDEX sent_mails_cover ON sent_mails (cover_id);
CREATE INDEX sent_mails_user_sent ON sent_mails (user_id, sent);
CREATE TABLE reply_settings (
    project_id    INTEGER PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    allow_replies BOOLEAN NOT NULL,
    thanks        TEXT NOT NULL
);

-- +goose Down
DROP TABLE reply_settings;
DROP TABLE sent_mails;
