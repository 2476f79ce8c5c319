-- Initial schema of patchwork-go (MySQL/MariaDB). Same tables as the SQLite
-- schema. Text is utf8mb4 with a binary collation (message ids are
-- case-sensitive) except e-mail addresses, which compare case-insensitively;
-- indexed text columns are VARCHAR because InnoDB cannot index TEXT whole.

-- +goose Up
CREATE TABLE users (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username       VARCHAR(150) NOT NULL UNIQUE,
    email          VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL DEFAULT '',
    is_admin       BOOLEAN NOT NULL DEFAULT 0,
    active         BOOLEAN NOT NULL DEFAULT 1,
    date_joined    DATETIME(6) NOT NULL,
    send_email     BOOLEAN NOT NULL DEFAULT 0,
    items_per_page BIGINT NOT NULL DEFAULT 100,
    show_ids       BOOLEAN NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE projects (
    id                      BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    linkname                VARCHAR(255) NOT NULL UNIQUE,
    name                    VARCHAR(255) NOT NULL UNIQUE,
    listid                  VARCHAR(255) NOT NULL,
    listemail               VARCHAR(255) NOT NULL,
    subject_match           TEXT NOT NULL DEFAULT '',
    web_url                 TEXT NOT NULL DEFAULT '',
    scm_url                 TEXT NOT NULL DEFAULT '',
    webscm_url              TEXT NOT NULL DEFAULT '',
    list_archive_url        TEXT NOT NULL DEFAULT '',
    list_archive_url_format TEXT NOT NULL DEFAULT '',
    commit_url_format       TEXT NOT NULL DEFAULT '',
    send_notifications      BOOLEAN NOT NULL DEFAULT 0,
    use_tags                BOOLEAN NOT NULL DEFAULT 1,
    show_dependencies       BOOLEAN NOT NULL DEFAULT 0,
    supersede_old_versions  BOOLEAN NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX projects_listid ON projects (listid);

CREATE TABLE people (
    id      BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name    TEXT NOT NULL DEFAULT '',
    email   VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    user_id BIGINT,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX people_email ON people (email);
CREATE INDEX people_user ON people (user_id);

CREATE TABLE ssh_keys (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    key_type    VARCHAR(64) NOT NULL,
    fingerprint VARCHAR(255) NOT NULL UNIQUE,
    comment     TEXT NOT NULL DEFAULT '',
    public_key  TEXT NOT NULL,
    created     DATETIME(6) NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX ssh_keys_user ON ssh_keys (user_id);

CREATE TABLE tokens (
    user_id BIGINT PRIMARY KEY,
    token   VARCHAR(255) NOT NULL UNIQUE,
    created DATETIME(6) NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE maintainers (
    project_id BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    PRIMARY KEY (project_id, user_id),
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX maintainers_user ON maintainers (user_id);

CREATE TABLE states (
    id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name            VARCHAR(100) NOT NULL UNIQUE,
    slug            VARCHAR(100) NOT NULL UNIQUE,
    ordering        BIGINT NOT NULL UNIQUE,
    action_required BOOLEAN NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE tags (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(100) NOT NULL UNIQUE,
    pattern     TEXT NOT NULL,
    abbrev      VARCHAR(20) NOT NULL UNIQUE,
    show_column BOOLEAN NOT NULL DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE series (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    project_id   BIGINT NOT NULL,
    name         TEXT,
    msg_date     DATETIME(6) NOT NULL,
    submitter_id BIGINT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    total        BIGINT NOT NULL DEFAULT 1,
    cover_id     BIGINT,
    previous_id  BIGINT,
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    FOREIGN KEY (submitter_id) REFERENCES people (id),
    FOREIGN KEY (previous_id) REFERENCES series (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX series_project_date ON series (project_id, msg_date, id);
CREATE INDEX series_submitter ON series (project_id, submitter_id, msg_date);
CREATE INDEX series_previous ON series (previous_id, id);

CREATE TABLE series_references (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    project_id BIGINT NOT NULL,
    series_id  BIGINT NOT NULL,
    msgid      VARCHAR(512) NOT NULL,
    UNIQUE (project_id, msgid, series_id),
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    FOREIGN KEY (series_id) REFERENCES series (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX series_references_series ON series_references (series_id);

CREATE TABLE series_dependencies (
    series_id     BIGINT NOT NULL,
    depends_on_id BIGINT NOT NULL,
    PRIMARY KEY (series_id, depends_on_id),
    FOREIGN KEY (series_id) REFERENCES series (id) ON DELETE CASCADE,
    FOREIGN KEY (depends_on_id) REFERENCES series (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX series_dependencies_on ON series_dependencies (depends_on_id);

CREATE TABLE covers (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    project_id   BIGINT NOT NULL,
    msgid        VARCHAR(512) NOT NULL,
    name         TEXT NOT NULL,
    msg_date     DATETIME(6) NOT NULL,
    submitter_id BIGINT NOT NULL,
    headers      LONGTEXT NOT NULL DEFAULT '',
    content      LONGTEXT NOT NULL DEFAULT '',
    series_id    BIGINT,
    UNIQUE (project_id, msgid),
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    FOREIGN KEY (submitter_id) REFERENCES people (id),
    FOREIGN KEY (series_id) REFERENCES series (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX covers_project_date ON covers (project_id, msg_date, id);
CREATE INDEX covers_msgid ON covers (msgid);
CREATE INDEX covers_series ON covers (series_id);
CREATE INDEX covers_submitter ON covers (submitter_id);

CREATE TABLE patch_relations (
    id      BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    created DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- project_id is denormalised onto every patch so that the list query never
-- joins; check_state caches the combined state of the unique checks
-- (0 pending, 1 success, 2 warning, 3 fail), kept by CreateCheck.
CREATE TABLE patches (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    project_id   BIGINT NOT NULL,
    msgid        VARCHAR(512) NOT NULL,
    name         TEXT NOT NULL,
    msg_date     DATETIME(6) NOT NULL,
    submitter_id BIGINT NOT NULL,
    headers      LONGTEXT NOT NULL DEFAULT '',
    content      LONGTEXT NOT NULL DEFAULT '',
    diff         LONGTEXT,
    pull_url     TEXT,
    hash         VARCHAR(64),
    state_id     BIGINT NOT NULL,
    archived     BOOLEAN NOT NULL DEFAULT 0,
    delegate_id  BIGINT,
    commit_ref   TEXT,
    series_id    BIGINT,
    number       BIGINT NOT NULL DEFAULT 0,
    related_id   BIGINT,
    check_state  BIGINT NOT NULL DEFAULT 0,
    UNIQUE (project_id, msgid),
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    FOREIGN KEY (submitter_id) REFERENCES people (id),
    FOREIGN KEY (state_id) REFERENCES states (id),
    FOREIGN KEY (delegate_id) REFERENCES users (id) ON DELETE SET NULL,
    FOREIGN KEY (series_id) REFERENCES series (id) ON DELETE SET NULL,
    FOREIGN KEY (related_id) REFERENCES patch_relations (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- The list query: one project, a set of states, archived or not, by date.
CREATE INDEX patches_list ON patches (project_id, state_id, archived, msg_date, id);
CREATE INDEX patches_project_date ON patches (project_id, msg_date, id);
CREATE INDEX patches_project_id ON patches (project_id, id);
CREATE INDEX patches_hash ON patches (hash, project_id);
CREATE INDEX patches_msgid ON patches (msgid);
CREATE INDEX patches_submitter ON patches (submitter_id);
CREATE INDEX patches_delegate ON patches (delegate_id);
CREATE INDEX patches_series ON patches (series_id, number);
CREATE INDEX patches_related ON patches (related_id);

CREATE TABLE patch_tags (
    patch_id BIGINT NOT NULL,
    tag_id   BIGINT NOT NULL,
    num      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (patch_id, tag_id),
    FOREIGN KEY (patch_id) REFERENCES patches (id) ON DELETE CASCADE,
    FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX patch_tags_tag ON patch_tags (tag_id, patch_id);

-- Comments on patches and on covers share one table so ids are unique
-- across both (REST and the web address comments by id).
CREATE TABLE comments (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    patch_id     BIGINT,
    cover_id     BIGINT,
    project_id   BIGINT NOT NULL,
    msgid        VARCHAR(512) NOT NULL,
    msg_date     DATETIME(6) NOT NULL,
    submitter_id BIGINT NOT NULL,
    headers      LONGTEXT NOT NULL DEFAULT '',
    content      LONGTEXT NOT NULL DEFAULT '',
    addressed    BOOLEAN,
    UNIQUE (patch_id, msgid),
    UNIQUE (cover_id, msgid),
    FOREIGN KEY (patch_id) REFERENCES patches (id) ON DELETE CASCADE,
    FOREIGN KEY (cover_id) REFERENCES covers (id) ON DELETE CASCADE,
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    FOREIGN KEY (submitter_id) REFERENCES people (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX comments_patch ON comments (patch_id, msg_date);
CREATE INDEX comments_cover ON comments (cover_id, msg_date);
CREATE INDEX comments_project_msgid ON comments (project_id, msgid);

CREATE TABLE checks (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    patch_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    created     DATETIME(6) NOT NULL,
    state       BIGINT NOT NULL DEFAULT 0,
    target_url  TEXT NOT NULL DEFAULT '',
    context     VARCHAR(255) NOT NULL DEFAULT 'default',
    description TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (patch_id) REFERENCES patches (id) ON DELETE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX checks_unique ON checks (patch_id, user_id, context, created, id);

CREATE TABLE bundles (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    owner_id   BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    name       VARCHAR(255) NOT NULL,
    is_public  BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (owner_id, name),
    FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX bundles_project ON bundles (project_id);

CREATE TABLE bundle_patches (
    bundle_id BIGINT NOT NULL,
    patch_id  BIGINT NOT NULL,
    ordering  BIGINT NOT NULL,
    PRIMARY KEY (bundle_id, patch_id),
    FOREIGN KEY (bundle_id) REFERENCES bundles (id) ON DELETE CASCADE,
    FOREIGN KEY (patch_id) REFERENCES patches (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX bundle_patches_order ON bundle_patches (bundle_id, ordering);
CREATE INDEX bundle_patches_patch ON bundle_patches (patch_id);

-- Events refer to objects by id without foreign keys: the log is append-only
-- and read by id ranges.
CREATE TABLE events (
    id                   BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    category             VARCHAR(64) NOT NULL,
    project_id           BIGINT NOT NULL,
    created              DATETIME(6) NOT NULL,
    actor_id             BIGINT,
    patch_id             BIGINT,
    series_id            BIGINT,
    cover_id             BIGINT,
    comment_id           BIGINT,
    check_id             BIGINT,
    previous_state_id    BIGINT,
    current_state_id     BIGINT,
    previous_delegate_id BIGINT,
    current_delegate_id  BIGINT,
    previous_relation_id BIGINT,
    current_relation_id  BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX events_project ON events (project_id, created, id);
CREATE INDEX events_patch ON events (patch_id);
CREATE INDEX events_series ON events (series_id);
CREATE INDEX events_cover ON events (cover_id);

CREATE TABLE delegation_rules (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    project_id BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    path       VARCHAR(255) NOT NULL,
    priority   BIGINT NOT NULL DEFAULT 0,
    UNIQUE (project_id, path),
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE notifications (
    patch_id      BIGINT PRIMARY KEY,
    orig_state_id BIGINT NOT NULL,
    last_modified DATETIME(6) NOT NULL,
    FOREIGN KEY (patch_id) REFERENCES patches (id) ON DELETE CASCADE,
    FOREIGN KEY (orig_state_id) REFERENCES states (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX notifications_modified ON notifications (last_modified);

CREATE TABLE email_optouts (
    email VARCHAR(255) COLLATE utf8mb4_unicode_ci PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE confirmations (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    conf_type  VARCHAR(32) NOT NULL,
    email      VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    user_id    BIGINT,
    conf_key   VARCHAR(64) NOT NULL UNIQUE,
    created    DATETIME(6) NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT 1,
    username   VARCHAR(150) NOT NULL DEFAULT '',
    public_key TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX confirmations_created ON confirmations (created);

CREATE TABLE failed_mails (
    id        BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    received  DATETIME(6) NOT NULL,
    error_msg TEXT NOT NULL DEFAULT '',
    raw       LONGBLOB NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- Replies that arrived before what they answer (parsemail keeps them and
-- places them when the parent arrives; mailin/held.go).
CREATE TABLE held_mails (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    project_id BIGINT NOT NULL,
    msgid      VARCHAR(512) NOT NULL,
    received   DATETIME(6) NOT NULL,
    raw        LONGBLOB NOT NULL,
    UNIQUE (project_id, msgid),
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX held_mails_received ON held_mails (received);
CREATE TABLE held_references (
    held_id    BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    msgid      VARCHAR(512) NOT NULL,
    PRIMARY KEY (held_id, msgid),
    FOREIGN KEY (held_id) REFERENCES held_mails (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX held_references_msgid ON held_references (project_id, msgid);


-- Upstream's default states (patchwork/fixtures/default_states.xml).
INSERT INTO states (name, slug, ordering, action_required) VALUES
    ('New', 'new', 0, 1),
    ('Under Review', 'under-review', 1, 1),
    ('Accepted', 'accepted', 2, 0),
    ('Rejected', 'rejected', 3, 0),
    ('RFC', 'rfc', 4, 0),
    ('Not Applicable', 'not-applicable', 5, 0),
    ('Changes Requested', 'changes-requested', 6, 0),
    ('Awaiting Upstream', 'awaiting-upstream', 7, 1),
    ('Superseded', 'superseded', 8, 0),
    ('Deferred', 'deferred', 9, 0);

-- Upstream's default tags (patchwork/fixtures/default_tags.xml).
INSERT INTO tags (name, pattern, abbrev, show_column) VALUES
    ('Acked-by', '^Acked-by:', 'A', 1),
    ('Reviewed-by', '^Reviewed-by:', 'R', 1),
    ('Tested-by', '^Tested-by:', 'T', 1);

-- +goose Down
SET FOREIGN_KEY_CHECKS = 0;
DROP TABLE IF EXISTS held_references;
DROP TABLE IF EXISTS held_mails;
DROP TABLE IF EXISTS failed_mails;
DROP TABLE IF EXISTS confirmations;
DROP TABLE IF EXISTS email_optouts;
DROP TABLE IF EXISTS notifications;
DROP TABLE IF EXISTS delegation_rules;
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS bundle_patches;
DROP TABLE IF EXISTS bundles;
DROP TABLE IF EXISTS checks;
DROP TABLE IF EXISTS comments;
DROP TABLE IF EXISTS patch_tags;
DROP TABLE IF EXISTS patches;
DROP TABLE IF EXISTS patch_relations;
DROP TABLE IF EXISTS covers;
DROP TABLE IF EXISTS series_dependencies;
DROP TABLE IF EXISTS series_references;
DROP TABLE IF EXISTS series;
DROP TABLE IF EXISTS tags;
DROP TABLE IF EXISTS states;
DROP TABLE IF EXISTS maintainers;
DROP TABLE IF EXISTS tokens;
DROP TABLE IF EXISTS ssh_keys;
DROP TABLE IF EXISTS people;
DROP TABLE IF EXISTS projects;
DROP TABLE IF EXISTS users;
SET FOREIGN_KEY_CHECKS = 1;
