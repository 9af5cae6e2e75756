-- Vigie store, schema version 2. Documented in docs/SCHEMA.md (Store).

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per input item ever seen: what makes an ingest resumable.
CREATE TABLE IF NOT EXISTS inputs (
    origin      TEXT PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('stored', 'duplicate', 'failed')),
    document_id INTEGER REFERENCES documents (id),
    error       TEXT,
    ingested_at INTEGER NOT NULL -- Unix seconds
);

CREATE TABLE IF NOT EXISTS documents (
    id                INTEGER PRIMARY KEY,
    doc_id            TEXT NOT NULL,
    origin            TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    simhash           INTEGER NOT NULL,
    duplicate_of      INTEGER REFERENCES documents (id),
    url               TEXT,
    title             TEXT,
    source            TEXT,
    source_key        TEXT NOT NULL,
    published         TEXT,
    language          TEXT,
    text              TEXT NOT NULL,
    json              TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_content_hash ON documents (content_hash);
CREATE INDEX IF NOT EXISTS documents_published ON documents (published);

CREATE TABLE IF NOT EXISTS simhash_bands (
    band        INTEGER NOT NULL,
    value       INTEGER NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    PRIMARY KEY (band, value, document_id)
) WITHOUT ROWID;

CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5 (
    title, text, content = 'documents', content_rowid = 'id'
);

CREATE TABLE IF NOT EXISTS entities (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    actor       TEXT,
    country     TEXT,
    start       INTEGER NOT NULL,
    end         INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entities_document ON entities (document_id);
CREATE INDEX IF NOT EXISTS entities_actor ON entities (actor);

CREATE TABLE IF NOT EXISTS places (
    document_id  INTEGER NOT NULL REFERENCES documents (id),
    text         TEXT NOT NULL,
    geonameid    INTEGER NOT NULL,
    name         TEXT NOT NULL,
    country_code TEXT NOT NULL,
    admin1       TEXT,
    feature_code TEXT NOT NULL,
    lat          REAL NOT NULL,
    lon          REAL NOT NULL,
    kind         TEXT NOT NULL,
    start        INTEGER NOT NULL,
    end          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS places_document ON places (document_id);

CREATE TABLE IF NOT EXISTS attributions (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    kind        TEXT NOT NULL,
    speaker     TEXT,
    actor       TEXT,
    cue         TEXT,
    start       INTEGER,
    end         INTEGER
);
CREATE INDEX IF NOT EXISTS attributions_document ON attributions (document_id);

CREATE TABLE IF NOT EXISTS signals (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    score       REAL NOT NULL,
    start       INTEGER,
    end         INTEGER
);
CREATE INDEX IF NOT EXISTS signals_document ON signals (document_id);

-- One row per real-world event, merged over the reports that code it.
CREATE TABLE IF NOT EXISTS events (
    id                   INTEGER PRIMARY KEY,
    type                 TEXT NOT NULL,
    mode                 TEXT,
    modality             TEXT NOT NULL,
    modality_group       TEXT NOT NULL,
    anchor_day           INTEGER,
    acled_event_type     TEXT,
    acled_sub_event_type TEXT,
    date                 TEXT,
    date_precision       TEXT,
    sort_date            TEXT,    -- the event date, else the first article's publication date
    actor                TEXT,
    actor_code           TEXT,
    recipient            TEXT,
    recipient_code       TEXT,
    geonameid            INTEGER,
    region               TEXT,    -- country/first-level division holding the place
    broad                INTEGER NOT NULL DEFAULT 0, -- 1 when the place is that division or wider
    place                TEXT,
    country_code         TEXT,
    admin1               TEXT,
    feature_code         TEXT,
    lat                  REAL,
    lon                  REAL,
    fatalities           INTEGER,
    reports              INTEGER NOT NULL DEFAULT 0,
    sources              INTEGER NOT NULL DEFAULT 0,
    first_report_id      INTEGER
);
-- Filters walk these in the list's order (most corroborated, then most recent).
CREATE INDEX IF NOT EXISTS events_type ON events (type, sources DESC, sort_date DESC);
CREATE INDEX IF NOT EXISTS events_country ON events (country_code, sources DESC, sort_date DESC);
CREATE INDEX IF NOT EXISTS events_place ON events (geonameid, type, modality_group, anchor_day);
CREATE INDEX IF NOT EXISTS events_region ON events (region, type, modality_group, anchor_day);
CREATE INDEX IF NOT EXISTS events_actor ON events (actor_code);
CREATE INDEX IF NOT EXISTS events_recipient ON events (recipient_code);
CREATE INDEX IF NOT EXISTS events_date ON events (sort_date);
CREATE INDEX IF NOT EXISTS events_ranking ON events (sources DESC, sort_date DESC);
CREATE INDEX IF NOT EXISTS events_latlon ON events (lat, lon);

-- One row per event coded in a document.
CREATE TABLE IF NOT EXISTS event_reports (
    id                  INTEGER PRIMARY KEY,
    event_id            INTEGER NOT NULL REFERENCES events (id),
    document_id         INTEGER NOT NULL REFERENCES documents (id),
    type                TEXT NOT NULL,
    trigger             TEXT NOT NULL,
    trigger_start       INTEGER NOT NULL,
    trigger_end         INTEGER NOT NULL,
    modality            TEXT NOT NULL,
    attribution_kind    TEXT NOT NULL,
    attribution_speaker TEXT,
    evidence            TEXT NOT NULL,
    evidence_start      INTEGER NOT NULL,
    evidence_end        INTEGER NOT NULL,
    confidence          REAL NOT NULL,
    json                TEXT NOT NULL,
    -- What decides which reports are of one event (see merge.rs), added in version 2.
    modality_group      TEXT,
    anchor_day          INTEGER, -- days since 1970-01-01
    geonameid           INTEGER,
    region              TEXT,
    broad               INTEGER NOT NULL DEFAULT 0,
    actor_code          TEXT,
    recipient_code      TEXT,
    rank                TEXT NOT NULL DEFAULT '' -- the event's representative has the smallest
);
CREATE INDEX IF NOT EXISTS event_reports_event ON event_reports (event_id);
CREATE INDEX IF NOT EXISTS event_reports_document ON event_reports (document_id);

-- Feeds polled over HTTP: the validators of their last response.
CREATE TABLE IF NOT EXISTS feeds (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    polled_at     INTEGER NOT NULL -- Unix seconds
);

CREATE INDEX IF NOT EXISTS documents_duplicate_of ON documents (duplicate_of);

-- Saved searches: a named /api/events filter (its canonical query string), the webhook
-- its alerts are posted to, and the last report it was matched against (watch.rs).
CREATE TABLE IF NOT EXISTS watches (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    filter            TEXT NOT NULL,
    webhook           TEXT,
    created_at        INTEGER NOT NULL,
    checked_report_id INTEGER NOT NULL
);

-- One alert per saved search and matching event, with its webhook delivery.
CREATE TABLE IF NOT EXISTS alerts (
    id           INTEGER PRIMARY KEY,
    watch_id     INTEGER NOT NULL REFERENCES watches (id),
    event_id     INTEGER NOT NULL REFERENCES events (id),
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    retry_at     INTEGER NOT NULL DEFAULT 0, -- not before (a lease while claimed)
    last_error   TEXT,
    UNIQUE (watch_id, event_id)
);
CREATE INDEX IF NOT EXISTS alerts_event ON alerts (event_id);
