-- Mail the server sends for its users (replies, trailers, "applied,
-- thanks"), keyed by the Message-ID it generated: shown in the thread as
-- "sent, waiting for the list" until the list's copy comes back through
-- parsemail and is stored as an ordinary comment with that Message-ID.
-- A refused send stays here as a draft with its error; a retry reuses
-- the row and so the Message-ID. reply_settings holds each project's
-- reply rules (no row: the defaults).

-- +goose Up
CREATE TABLE sent_mails (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    msgid      VARCHAR(255) NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    patch_id   BIGINT,
    cover_id   BIGINT,
    kind       VARCHAR(16) NOT NULL,
    status     VARCHAR(16) NOT NULL,
    subject    TEXT NOT NULL,
    rcpt       TEXT NOT NULL,
    raw        LONGBLOB NOT NULL,
    error_msg  TEXT NOT NULL,
    created    DATETIME(6) NOT NULL,
    sent       DATETIME(6),
    INDEX sent_mails_patch (patch_id),
    INDEX sent_mails_cover (cover_id),
    INDEX sent_mails_user_sent (user_id, sent),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    FOREIGN KEY (patch_id) REFERENCES patches (id) ON DELETE CASCADE,
    FOREIGN KEY (cover_id) REFERENCES covers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE reply_settings (
    project_id    BIGINT NOT NULL PRIMARY KEY,
    allow_replies BOOLEAN NOT NULL,
    thanks        VARCHAR(16) NOT NULL,
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE reply_settings;
DROP TABLE sent_mails;
