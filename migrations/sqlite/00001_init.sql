-- Initial schema of patchwork-go (SQLite).
-- Times are TEXT 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (fixed width, so text
-- order is time order); booleans are 0/1.

-- +goose Up
CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL UNIQUE,
    email          TEXT NOT NULL,
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL DEFAULT '',
    is_admin       BOOLEAN NOT NULL DEFAULT 0,
    active         BOOLEAN NOT NULL DEFAULT 1,
    date_joined    DATETIME NOT NULL,
    send_email     BOOLEAN NOT NULL DEFAULT 0,
    items_per_page INTEGER NOT NULL DEFAULT 100,
    show_ids       BOOLEAN NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX users_email ON users (LOWER(email));

CREATE TABLE projects (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    linkname                TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL UNIQUE,
    listid                  TEXT NOT NULL,
    listemail               TEXT NOT NULL,
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
);
CREATE INDEX projects_listid ON projects (listid);

CREATE TABLE people (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    name    TEXT NOT NULL DEFAULT '',
    email   TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX people_email ON people (LOWER(email));
CREATE INDEX people_user ON people (user_id);

CREATE TABLE ssh_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_type    TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    comment     TEXT NOT NULL DEFAULT '',
    public_key  TEXT NOT NULL,
    created     DATETIME NOT NULL
);
CREATE INDEX ssh_keys_user ON ssh_keys (user_id);

CREATE TABLE tokens (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token   TEXT NOT NULL UNIQUE,
    created DATETIME NOT NULL
);

CREATE TABLE maintainers (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX maintainers_user ON maintainers (user_id);

CREATE TABLE states (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    slug            TEXT NOT NULL UNIQUE,
    ordering        INTEGER NOT NULL UNIQUE,
    action_required BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    pattern     TEXT NOT NULL,
    abbrev      TEXT NOT NULL UNIQUE,
    show_column BOOLEAN NOT NULL DEFAULT 1
);

CREATE TABLE series (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         TEXT,
    msg_date     DATETIME NOT NULL,
    submitter_id INTEGER NOT NULL REFERENCES people (id),
    version      INTEGER NOT NULL DEFAULT 1,
    total        INTEGER NOT NULL DEFAULT 1,
    cover_id     INTEGER,
    previous_id  INTEGER REFERENCES series (id) ON DELETE SET NULL
);
CREATE INDEX series_project_date ON series (project_id, msg_date, id);
CREATE INDEX series_submitter ON series (project_id, submitter_id, msg_date);
CREATE INDEX series_previous ON series (previous_id, id);

CREATE TABLE series_references (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    series_id  INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    msgid      TEXT NOT NULL,
    UNIQUE (project_id, msgid, series_id)
);
CREATE INDEX series_references_series ON series_references (series_id);

CREATE TABLE series_dependencies (
    series_id     INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    depends_on_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    PRIMARY KEY (series_id, depends_on_id)
);
CREATE INDEX series_dependencies_on ON series_dependencies (depends_on_id);

CREATE TABLE covers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    msgid        TEXT NOT NULL,
    name         TEXT NOT NULL,
    msg_date     DATETIME NOT NULL,
    submitter_id INTEGER NOT NULL REFERENCES people (id),
    headers      TEXT NOT NULL DEFAULT '',
    content      TEXT NOT NULL DEFAULT '',
    series_id    INTEGER REFERENCES series (id) ON DELETE SET NULL,
    UNIQUE (project_id, msgid)
);
CREATE INDEX covers_project_date ON covers (project_id, msg_date, id);
CREATE INDEX covers_msgid ON covers (msgid);
CREATE INDEX covers_series ON covers (series_id);
CREATE INDEX covers_submitter ON covers (submitter_id);

CREATE TABLE patch_relations (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    created DATETIME NOT NULL
);

-- project_id is denormalised onto every patch so that the list query never
-- joins; check_state caches the combined state of the unique checks
-- (0 pending, 1 success, 2 warning, 3 fail), kept by CreateCheck.
CREATE TABLE patches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    msgid        TEXT NOT NULL,
    name         TEXT NOT NULL,
    msg_date     DATETIME NOT NULL,
    submitter_id INTEGER NOT NULL REFERENCES people (id),
    headers      TEXT NOT NULL DEFAULT '',
    content      TEXT NOT NULL DEFAULT '',
    diff         TEXT,
    pull_url     TEXT,
    hash         TEXT,
    state_id     INTEGER NOT NULL REFERENCES states (id),
    archived     BOOLEAN NOT NULL DEFAULT 0,
    delegate_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    commit_ref   TEXT,
    series_id    INTEGER REFERENCES series (id) ON DELETE SET NULL,
    number       INTEGER NOT NULL DEFAULT 0,
    related_id   INTEGER REFERENCES patch_relations (id) ON DELETE SET NULL,
    check_state  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, msgid)
);
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
    patch_id INTEGER NOT NULL REFERENCES patches (id) ON DELETE CASCADE,
    tag_id   INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    num      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (patch_id, tag_id)
);
CREATE INDEX patch_tags_tag ON patch_tags (tag_id, patch_id);

-- Comments on patches and on covers share one table so ids are unique
-- across both (REST and the web address comments by id).
CREATE TABLE comments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    patch_id     INTEGER REFERENCES patches (id) ON DELETE CASCADE,
    cover_id     INTEGER REFERENCES covers (id) ON DELETE CASCADE,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    msgid        TEXT NOT NULL,
    msg_date     DATETIME NOT NULL,
    submitter_id INTEGER NOT NULL REFERENCES people (id),
    headers      TEXT NOT NULL DEFAULT '',
    content      TEXT NOT NULL DEFAULT '',
    addressed    BOOLEAN,
    UNIQUE (patch_id, msgid),
    UNIQUE (cover_id, msgid)
);
CREATE INDEX comments_patch ON comments (patch_id, msg_date);
CREATE INDEX comments_cover ON comments (cover_id, msg_date);
CREATE INDEX comments_project_msgid ON comments (project_id, msgid);

CREATE TABLE checks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    patch_id    INTEGER NOT NULL REFERENCES patches (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created     DATETIME NOT NULL,
    state       INTEGER NOT NULL DEFAULT 0,
    target_url  TEXT NOT NULL DEFAULT '',
    context     TEXT NOT NULL DEFAULT 'default',
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX checks_unique ON checks (patch_id, user_id, context, created, id);

CREATE TABLE bundles (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    is_public  BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (owner_id, name)
);
CREATE INDEX bundles_project ON bundles (project_id);

CREATE TABLE bundle_patches (
    bundle_id INTEGER NOT NULL REFERENCES bundles (id) ON DELETE CASCADE,
    patch_id  INTEGER NOT NULL REFERENCES patches (id) ON DELETE CASCADE,
    ordering  INTEGER NOT NULL,
    PRIMARY KEY (bundle_id, patch_id)
);
CREATE INDEX bundle_patches_order ON bundle_patches (bundle_id, ordering);
CREATE INDEX bundle_patches_patch ON bundle_patches (patch_id);

-- Events refer to objects by id without foreign keys: the log is append-only
-- and read by id ranges.
CREATE TABLE events (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    category             TEXT NOT NULL,
    project_id           INTEGER NOT NULL,
    created              DATETIME NOT NULL,
    actor_id             INTEGER,
    patch_id             INTEGER,
    series_id            INTEGER,
    cover_id             INTEGER,
    comment_id           INTEGER,
    check_id             INTEGER,
    previous_state_id    INTEGER,
    current_state_id     INTEGER,
    previous_delegate_id INTEGER,
    current_delegate_id  INTEGER,
    previous_relation_id INTEGER,
    current_relation_id  INTEGER
);
CREATE INDEX events_project ON events (project_id, created, id);
CREATE INDEX events_patch ON events (patch_id);
CREATE INDEX events_series ON events (series_id);
CREATE INDEX events_cover ON events (cover_id);

CREATE TABLE delegation_rules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    priority   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, path)
);

CREATE TABLE notifications (
    patch_id      INTEGER PRIMARY KEY REFERENCES patches (id) ON DELETE CASCADE,
    orig_state_id INTEGER NOT NULL REFERENCES states (id),
    last_modified DATETIME NOT NULL
);
CREATE INDEX notifications_modified ON notifications (last_modified);

CREATE TABLE email_optouts (
    email TEXT PRIMARY KEY
);

CREATE TABLE confirmations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    conf_type  TEXT NOT NULL,
    email      TEXT NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    conf_key   TEXT NOT NULL UNIQUE,
    created    DATETIME NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT 1,
    username   TEXT NOT NULL DEFAULT '',
    public_key TEXT NOT NULL DEFAULT ''
);
CREATE INDEX confirmations_created ON confirmations (created);

CREATE TABLE failed_mails (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    received  DATETIME NOT NULL,
    error_msg TEXT NOT NULL DEFAULT '',
    raw       BLOB NOT NULL
);
-- Replies that arrived before what they answer (parsemail keeps them and
-- places them when the parent arrives; mailin/held.go).
CREATE TABLE held_mails (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    msgid      TEXT NOT NULL,
    received   DATETIME NOT NULL,
    raw        BLOB NOT NULL,
    UNIQUE (project_id, msgid)
);
CREATE INDEX held_mails_received ON held_mails (received);
CREATE TABLE held_references (
    held_id    INTEGER NOT NULL REFERENCES held_mails (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL,
    msgid      TEXT NOT NULL,
    PRIMARY KEY (held_id, msgid)
);
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
