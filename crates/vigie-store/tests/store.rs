//! The store end to end: invented articles analysed by the pipeline, written, merged,
//! queried and exported — on SQLite and, when `VIGIE_TEST_POSTGRES` names a database
//! (`scripts/test` sets it), on PostgreSQL: one suite for both back-ends.

use vigie_core::Document;
use vigie_ingest::{Extractor, RawArticle, ingest};
use vigie_pipeline::{Language, Pipeline};
use vigie_store::scratch::{ScratchSchema, TEST_DATABASE_VARIABLE};
use vigie_store::{EventFilter, Location, Outcome, Store, export};

/// A back-end the suite runs on.
enum Backend {
    /// SQLite in memory.
    Sqlite,
    /// The PostgreSQL database at this URL, a new schema for each store.
    Postgres(String),
}

impl Backend {
    /// SQLite, and PostgreSQL when the environment names a test database.
    fn all() -> Vec<Backend> {
        let mut backends = vec![Backend::Sqlite];
        if let Ok(url) = std::env::var(TEST_DATABASE_VARIABLE) {
            backends.push(Backend::Postgres(url));
        }
        backends
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// An empty store, with the schema that holds it (dropped after the store).
    fn empty_store(&self, purpose: &str) -> (Store, Option<ScratchSchema>) {
        eprintln!("back-end: {}", self.name());
        match self {
            Backend::Sqlite => (Store::in_memory().unwrap(), None),
            Backend::Postgres(url) => {
                let schema = ScratchSchema::create(url, purpose).unwrap();
                (Store::connect(&schema.location()).unwrap(), Some(schema))
            }
        }
    }

    /// Two connections to one new, empty store (a SQLite file or a PostgreSQL schema),
    /// as two processes would have; the store goes when the guard is dropped.
    fn shared_store(&self, purpose: &str) -> ([Store; 2], SharedStore) {
        eprintln!("back-end: {}", self.name());
        let guard = match self {
            Backend::Sqlite => SharedStore::File(std::env::temp_dir().join(format!(
                "vigie-store-test-{purpose}-{}.db",
                std::process::id()
            ))),
            Backend::Postgres(url) => {
                SharedStore::Schema(ScratchSchema::create(url, purpose).unwrap())
            }
        };
        let location = match &guard {
            SharedStore::File(path) => {
                vigie_store::remove_database(path);
                Location::File(path.clone())
            }
            SharedStore::Schema(schema) => schema.location(),
        };
        let first = Store::connect(&location).unwrap();
        let second = Store::connect(&location).unwrap();
        ([first, second], guard)
    }
}

/// Where a store shared by several connections lives, removed on drop.
enum SharedStore {
    File(std::path::PathBuf),
    Schema(ScratchSchema),
}

impl Drop for SharedStore {
    fn drop(&mut self) {
        if let SharedStore::File(path) = self {
            vigie_store::remove_database(path);
        }
    }
}

const KIDNAPPING: &str = "Des hommes armés ont enlevé trois soldats américains mardi près du \
    champ pétrolier d'al-Omar, dans la province de Deir ez-Zor, en Syrie. Les ravisseurs ont \
    pris la fuite vers le désert. La coalition n'a pas commenté l'information.";

const KIDNAPPING_ELSEWHERE: &str = "Trois militaires américains ont été enlevés mardi à Deir \
    ez-Zor, dans l'est de la Syrie, par des hommes armés non identifiés. Washington n'a fait \
    aucun commentaire sur cet enlèvement.";

const PARLIAMENT: &str = "Le parlement irakien a adopté mardi à Bagdad une loi sur le budget \
    après trois semaines de débats houleux entre les partis.";

fn analysed(origin: &str, text: &str, source: &str, url: &str) -> Outcome {
    let mut raw = RawArticle::text(origin, text);
    raw.source = Some(source.to_owned());
    raw.url = Some(url.to_owned());
    raw.published = Some("2026-03-03".to_owned());
    let mut document: Document = ingest(raw, Extractor::default()).unwrap();
    Pipeline::embedded(Language::Auto).run(&mut document);
    Outcome::Analysed {
        origin: origin.to_owned(),
        document: Box::new(document),
    }
}

fn all() -> EventFilter {
    EventFilter {
        limit: 100,
        ..EventFilter::default()
    }
}

#[test]
fn reports_of_one_event_merge_and_inputs_are_never_stored_twice() {
    for backend in Backend::all() {
        let (mut store, _schema) = backend.empty_store("merge");
        merge_and_never_store_twice(&mut store);
    }
}

fn merge_and_never_store_twice(store: &mut Store) {
    let first = analysed("a.txt", KIDNAPPING, "Agence A", "https://a.example/1");
    let summary = store.write(std::slice::from_ref(&first)).unwrap();
    assert_eq!(summary.stored, 1);
    let abductions = EventFilter {
        event_type: Some("ASSAULT".into()),
        country: Some("SY".into()),
        ..all()
    };
    let before = store.events(&abductions).unwrap();
    assert!(!before.is_empty(), "the kidnapping is coded");
    assert_eq!(before[0].source_count, 1);

    // The same input again: skipped. The same text from another outlet: a duplicate
    // document that corroborates. Another article on the same kidnapping: merged.
    let summary = store
        .write(&[
            first,
            analysed("b.txt", KIDNAPPING, "Journal B", "https://b.example/x"),
            analysed(
                "c.txt",
                KIDNAPPING_ELSEWHERE,
                "Radio C",
                "https://c.example/y",
            ),
            Outcome::Failed {
                origin: "d.bin".into(),
                error: "d.bin: binary data".into(),
            },
        ])
        .unwrap();
    assert_eq!(summary.skipped, 1);
    assert_eq!(summary.stored, 2);
    assert_eq!(summary.failed, 1);
    let counts = store.counts().unwrap();
    assert_eq!(counts.inputs, 4);
    assert_eq!(counts.documents, 3);
    assert_eq!(counts.duplicate_documents, 1);
    assert_eq!(
        store.failed_inputs().unwrap(),
        [("d.bin".to_owned(), "d.bin: binary data".to_owned())]
    );

    let after = store.events(&abductions).unwrap();
    let kidnapping = &after[0];
    assert_eq!(
        kidnapping.id, before[0].id,
        "later reports join the first event"
    );
    assert!(kidnapping.source_count >= 2, "{kidnapping:?}");
    assert!(
        kidnapping.sources.contains(&"radio c".to_owned())
            || kidnapping.sources.contains(&"journal b".to_owned())
    );
    assert!(counts.events < counts.reports, "{counts:?}");
}

#[test]
fn two_writers_merging_reports_of_one_event_at_once_make_what_one_writer_makes() {
    // Each round, two connections write a report of the same kidnapping at the same
    // moment; the result must be the one a single writer gets from the same reports.
    let rounds: Vec<[Outcome; 2]> = (0..4)
        .map(|round| {
            [
                analysed(
                    &format!("a{round}.txt"),
                    KIDNAPPING,
                    "Agence A",
                    &format!("https://a.example/{round}"),
                ),
                analysed(
                    &format!("c{round}.txt"),
                    KIDNAPPING_ELSEWHERE,
                    "Radio C",
                    &format!("https://c.example/{round}"),
                ),
            ]
        })
        .collect();
    let mut sequential = Store::in_memory().unwrap();
    for round in &rounds {
        sequential.write(round).unwrap();
    }
    let expected = sequential.counts().unwrap();
    let expected_events = sequential.events(&all()).unwrap();
    for backend in Backend::all() {
        let (mut stores, _guard) = backend.shared_store("concurrent");
        for round in &rounds {
            let barrier = std::sync::Barrier::new(2);
            std::thread::scope(|scope| {
                for (store, outcome) in stores.iter_mut().zip(round) {
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        store.write(std::slice::from_ref(outcome)).unwrap();
                    });
                }
            });
        }
        let counts = stores[0].counts().unwrap();
        assert_eq!(counts, expected, "{}", backend.name());
        let events = stores[1].events(&all()).unwrap();
        let summary = |rows: &[vigie_store::EventRow]| -> Vec<(String, i64, i64)> {
            let mut rows: Vec<_> = rows
                .iter()
                .map(|e| (e.event_type.clone(), e.reports, e.source_count))
                .collect();
            rows.sort();
            rows
        };
        assert_eq!(
            summary(&events),
            summary(&expected_events),
            "{}",
            backend.name()
        );
    }
}

#[test]
fn queries_filter_by_place_text_and_date_and_export_acled_columns() {
    for backend in Backend::all() {
        let (mut store, _schema) = backend.empty_store("queries");
        filter_and_export(&mut store);
    }
}

fn filter_and_export(store: &mut Store) {
    store
        .write(&[
            analysed("a.txt", KIDNAPPING, "Agence A", "https://a.example/1"),
            analysed("p.txt", PARLIAMENT, "Agence A", "https://a.example/2"),
        ])
        .unwrap();
    let deir_ez_zor = (35.336, 40.14);
    let near = EventFilter {
        near: Some((deir_ez_zor.0, deir_ez_zor.1, 150.0)),
        ..all()
    };
    let rows = store.events(&near).unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.country_code.as_deref() == Some("SY")));
    let text = EventFilter {
        text: Some("parlement".into()),
        ..all()
    };
    assert!(
        store
            .events(&text)
            .unwrap()
            .iter()
            .all(|r| r.country_code.as_deref() != Some("SY"))
    );
    let too_late = EventFilter {
        from: Some("2027-01-01".into()),
        ..all()
    };
    assert!(store.events(&too_late).unwrap().is_empty());
    let bad = EventFilter {
        near: Some((95.0, 0.0, 10.0)),
        ..all()
    };
    assert!(
        store
            .events(&bad)
            .unwrap_err()
            .to_string()
            .contains("latitude")
    );

    let rows = store.events(&all()).unwrap();
    let mut csv = Vec::new();
    export::write_csv(&rows, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), export::COLUMNS.join(","));
    assert!(csv.contains("Violence against civilians") || csv.contains("Battles"));
    let mut jsonl = Vec::new();
    export::write_jsonl(&rows, &mut jsonl).unwrap();
    let first: serde_json::Value =
        serde_json::from_slice(jsonl.split(|b| *b == b'\n').next().unwrap()).unwrap();
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut columns = export::COLUMNS.to_vec();
    columns.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, columns, "CSV and JSONL carry the same fields");

    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::RowAccessor;
    let path = std::env::temp_dir().join(format!("vigie-export-{}.parquet", std::process::id()));
    export::write_parquet(&rows, std::fs::File::create(&path).unwrap()).unwrap();
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let metadata = reader.metadata().file_metadata();
    assert_eq!(metadata.num_rows() as usize, rows.len());
    let names: Vec<&str> = metadata
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name())
        .collect();
    assert_eq!(names, export::COLUMNS);
    let first = reader.get_row_iter(None).unwrap().next().unwrap().unwrap();
    assert_eq!(first.get_long(0).unwrap(), rows[0].id);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_store_reopens_with_its_data() {
    let path = std::env::temp_dir().join(format!("vigie-store-{}.db", std::process::id()));
    vigie_store::remove_database(&path);
    reopens_with_its_data(&Location::File(path.clone()));
    vigie_store::remove_database(&path);
    if let Some(schema) = ScratchSchema::for_test("reopen") {
        reopens_with_its_data(&schema.unwrap().location());
    }
}

fn reopens_with_its_data(location: &Location) {
    {
        let mut store = Store::connect(location).unwrap();
        store
            .write(&[analysed(
                "a.txt",
                KIDNAPPING,
                "Agence A",
                "https://a.example/1",
            )])
            .unwrap();
    }
    let store = Store::connect_read_only(location).unwrap();
    assert!(store.processed_origins(false).unwrap().contains("a.txt"));
    assert_eq!(store.counts().unwrap().documents, 1);
    let document = store.document(1).unwrap().unwrap();
    assert!(document.text.contains("al-Omar"));
    let search = store.search("al-Omar OR ravisseurs", 10, 0).unwrap();
    assert_eq!(search.len(), 1, "{location}");
    assert!(search[0].snippet.contains('['), "{:?}", search[0]);
    assert!(store.search("\"", 10, 0).unwrap().is_empty());
}

#[test]
fn csv_cells_never_start_a_spreadsheet_formula() {
    for backend in Backend::all() {
        let (mut store, _schema) = backend.empty_store("csv");
        csv_cells_are_not_formulas(&mut store);
    }
}

fn csv_cells_are_not_formulas(store: &mut Store) {
    let western = "Des hommes armés ont attaqué mardi un poste de police à Lima, au Pérou, \
                   selon la police.";
    store
        .write(&[analysed(
            "f.txt",
            western,
            "=HYPERLINK(\"http://x\";\"y\")",
            "https://f.example/1",
        )])
        .unwrap();
    let rows = store.events(&all()).unwrap();
    assert!(!rows.is_empty());
    let mut out = Vec::new();
    export::write_csv(&rows, &mut out).unwrap();
    let mut reader = csv::Reader::from_reader(&out[..]);
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        assert!(
            record[column("source")]
                .to_lowercase()
                .starts_with("'=hyperlink"),
            "{record:?}"
        );
        // Numbers keep their sign: Lima lies west of Greenwich.
        let longitude: f64 = record[column("longitude")].parse().unwrap();
        assert!(longitude < 0.0, "{record:?}");
    }
}

/// Articles on attacks at Gao on 1, 2 and 3 March (a chain: the 1st and the 3rd are
/// further apart than two days, the 2nd is close to both), and one elsewhere.
fn chain() -> Vec<Outcome> {
    let attack = |day: u32, outlet: &str| {
        analysed(
            &format!("{outlet}.txt"),
            &format!(
                "Des hommes armés ont attaqué le {day} mars un poste de l'armée malienne à Gao, \
                 au Mali, selon une source sécuritaire. L'armée a déployé des renforts."
            ),
            outlet,
            &format!("https://{outlet}.example/{day}"),
        )
    };
    vec![
        attack(1, "un"),
        attack(3, "trois"),
        attack(2, "deux"),
        analysed("p.txt", PARLIAMENT, "Agence P", "https://p.example/1"),
    ]
}

/// The events of a store as comparable JSON, without row ids (of the event and of its
/// representative's article), which number things in the order they were stored.
fn described(store: &Store) -> Vec<String> {
    let mut rows: Vec<String> = store
        .events(&all())
        .unwrap()
        .into_iter()
        .map(|row| {
            let mut value = serde_json::to_value(row).unwrap();
            let fields = value.as_object_mut().unwrap();
            fields.remove("id");
            fields.remove("document_id");
            value.to_string()
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn events_do_not_depend_on_the_order_reports_arrive_in() {
    let outcomes = chain();
    let orders: [&[usize]; 4] = [&[0, 1, 2, 3], &[0, 2, 1, 3], &[3, 2, 1, 0], &[1, 0, 3, 2]];
    let mut first: Option<Vec<String>> = None;
    for backend in Backend::all() {
        for order in orders {
            let (mut store, _schema) = backend.empty_store("order");
            for &i in order {
                // One article per batch: the order of arrival is the order given.
                store.write(std::slice::from_ref(&outcomes[i])).unwrap();
            }
            let events = described(&store);
            // The same events in every order, on every back-end.
            match &first {
                None => first = Some(events),
                Some(first) => assert_eq!(&events, first, "{} order {order:?}", backend.name()),
            }
        }
        let (mut store, _schema) = backend.empty_store("order");
        store.write(&outcomes).unwrap();
        let attacks = EventFilter {
            event_type: Some("ASSAULT".into()),
            ..all()
        };
        let rows = store.events(&attacks).unwrap();
        assert_eq!(
            rows.len(),
            1,
            "the 1st and the 3rd join through the 2nd: {rows:?}"
        );
        assert_eq!(rows[0].source_count, 3);
    }
}

#[test]
fn a_version_1_store_is_upgraded_and_merges_on() {
    let path = std::env::temp_dir().join(format!("vigie-upgrade-{}.db", std::process::id()));
    vigie_store::remove_database(&path);
    let outcomes = chain();
    {
        let mut store = Store::open(&path).unwrap();
        store.write(&outcomes[..1]).unwrap();
    }
    // Make it what version 1 wrote: reports without the merge columns.
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch(
            "DROP INDEX event_reports_place; DROP INDEX event_reports_region;
             DROP INDEX event_reports_rank;
             ALTER TABLE event_reports DROP COLUMN modality_group;
             ALTER TABLE event_reports DROP COLUMN anchor_day;
             ALTER TABLE event_reports DROP COLUMN geonameid;
             ALTER TABLE event_reports DROP COLUMN region;
             ALTER TABLE event_reports DROP COLUMN broad;
             ALTER TABLE event_reports DROP COLUMN actor_code;
             ALTER TABLE event_reports DROP COLUMN recipient_code;
             ALTER TABLE event_reports DROP COLUMN rank;
             UPDATE meta SET value = '1' WHERE key = 'schema_version';",
        )
        .unwrap();
    drop(connection);
    assert_eq!(
        Store::open_read_only(&path)
            .unwrap()
            .counts()
            .unwrap()
            .documents,
        1
    );
    let mut store = Store::open(&path).unwrap();
    store.write(&outcomes[1..]).unwrap();
    let attacks = EventFilter {
        event_type: Some("ASSAULT".into()),
        ..all()
    };
    let rows = store.events(&attacks).unwrap();
    assert_eq!(
        rows.len(),
        1,
        "the new reports join the upgraded one: {rows:?}"
    );
    assert_eq!(rows[0].source_count, 3);
    drop(store);
    vigie_store::remove_database(&path);
}

#[test]
fn saved_searches_alert_each_new_matching_event_once() {
    for backend in Backend::all() {
        let (mut store, _schema) = backend.empty_store("watches");
        saved_searches_alert_once(&mut store);
    }
}

fn saved_searches_alert_once(store: &mut Store) {
    // Stored before the searches are saved: never alerted.
    let old = analysed("old.txt", KIDNAPPING, "Agence A", "https://a.example/1");
    store.write(std::slice::from_ref(&old)).unwrap();
    let abductions = store
        .add_watch(
            "Enlèvements en Syrie",
            "country=sy&mode=abduct&limit=10",
            Some("https://hooks.example/vigie"),
        )
        .unwrap();
    assert_eq!(abductions.filter, "country=sy&mode=abduct");
    let syria = store.add_watch("Syrie", "country=SY", None).unwrap();

    // Refused: a name taken, an unknown parameter, an empty filter, a webhook that is
    // not an HTTP URL.
    for (name, filter, webhook) in [
        ("Syrie", "q=loi", None),
        ("Autre", "pays=SY", None),
        ("Tout", "limit=5", None),
        ("Hook", "q=loi", Some("file:///etc/passwd")),
    ] {
        assert!(store.add_watch(name, filter, webhook).is_err(), "{name}");
    }

    // A new article reporting another kidnapping the same day: the old event gains a
    // report, so it is new to the search.
    let second = analysed(
        "b.txt",
        KIDNAPPING_ELSEWHERE,
        "Agence B",
        "https://b.example/1",
    );
    let unrelated = analysed("c.txt", PARLIAMENT, "Agence C", "https://c.example/1");
    store.write(&[second.clone(), unrelated]).unwrap();
    let alerts = store.alerts(abductions.id, 10).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert.event.mode.as_deref(), Some("abduct"));
    assert_eq!(alert.event.source_count, 2);
    assert_eq!(alert.delivery, "pending");
    let in_syria = store.alerts(syria.id, 10).unwrap();
    assert_eq!(in_syria.len(), 1);
    assert_eq!(in_syria[0].event.id, alert.event.id);
    assert_eq!(in_syria[0].delivery, "none");

    // The same batch again, and a third report of the event: still one alert.
    store.write(std::slice::from_ref(&second)).unwrap();
    let third = analysed("d.txt", KIDNAPPING, "Agence D", "https://d.example/1");
    store.write(std::slice::from_ref(&third)).unwrap();
    assert_eq!(store.alerts(abductions.id, 10).unwrap().len(), 1);
    let listed = store.watches().unwrap();
    assert_eq!(
        listed.iter().map(|w| w.alerts).collect::<Vec<_>>(),
        vec![1, 1]
    );

    // Delivery: claimed once (leased), failed and waiting, then delivered.
    let claimed = store.claim_deliveries(10).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].webhook, "https://hooks.example/vigie");
    assert_eq!(claimed[0].alert.id, alert.id);
    assert!(store.claim_deliveries(10).unwrap().is_empty(), "leased");
    store
        .record_delivery(alert.id, Err(("HTTP 503".into(), 3600)))
        .unwrap();
    assert!(
        store.claim_deliveries(10).unwrap().is_empty(),
        "backing off"
    );
    store.record_delivery(alert.id, Ok(())).unwrap();
    assert_eq!(
        store.alerts(abductions.id, 10).unwrap()[0].delivery,
        "delivered"
    );

    assert!(store.remove_watch("Enlèvements en Syrie").unwrap());
    assert!(!store.remove_watch("Enlèvements en Syrie").unwrap());
    assert!(store.watch(&abductions.id.to_string()).unwrap().is_none());
    assert_eq!(store.watches().unwrap().len(), 1);
}
