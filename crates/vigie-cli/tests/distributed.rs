//! The distributed path end to end — `vigie ingest --queue` publishing to NATS
//! JetStream, `vigie worker` processes writing to PostgreSQL (SQLite when
//! `VIGIE_TEST_POSTGRES` is unset) — through the faults it must survive: a worker killed
//! mid-batch, the NATS server restarted, the database connections cut, poison messages.
//! Each run must leave the store exactly as one in-process `vigie ingest` of the same
//! inputs does: nothing lost, nothing twice.
//!
//! Each test starts a NATS server of its own (`nats-server`, which `scripts/test`
//! installs); without one the tests skip with a message.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use vigie_queue::local_server::LocalServer;
use vigie_queue::{Queue, QueueConfig};
use vigie_store::scratch::{ScratchSchema, TEST_DATABASE_VARIABLE};
use vigie_store::{Counts, Location, Store};

mod common;
use common::{Scratch, write_articles};

/// Articles in each test's corpus (plus a binary file and an empty one).
const ARTICLES: usize = 48;

/// One test's world: a NATS server, a store, a corpus and what an in-process ingest of
/// it gives.
struct Setup {
    scratch: Scratch,
    nats: LocalServer,
    store: Location,
    schema: Option<ScratchSchema>,
    reference: Counts,
}

impl Setup {
    /// `None` (the test skips) when no `nats-server` is installed.
    fn new(name: &str) -> Option<Setup> {
        let nats = match LocalServer::start(name) {
            Some(server) => server.expect("nats-server starts"),
            None => {
                eprintln!("skipped: no nats-server installed (scripts/test installs it)");
                return None;
            }
        };
        let scratch = Scratch::new(&format!("distributed-{name}"));
        std::fs::create_dir_all(scratch.join("articles")).unwrap();
        write_articles(&scratch.join("articles"), ARTICLES);
        let reference_db = scratch.join("reference.db");
        let output = vigie(
            ["ingest", "--db", reference_db.to_str().unwrap(), "--quiet"],
            &scratch,
        );
        assert_eq!(output.status.code(), Some(1), "two inputs fail: {output:?}");
        let reference = Store::open(&reference_db).unwrap().counts().unwrap();
        let (store, schema) = match std::env::var(TEST_DATABASE_VARIABLE) {
            Ok(url) => {
                let schema = ScratchSchema::create(&url, name).unwrap();
                (schema.location(), Some(schema))
            }
            Err(_) => (Location::File(scratch.join("shared.db")), None),
        };
        Some(Setup {
            scratch,
            nats,
            store,
            schema,
            reference,
        })
    }

    /// Publishes the corpus to the queue.
    fn publish(&self) {
        let url = self.nats.url();
        let output = vigie(["ingest", "--queue", &url], &self.scratch);
        assert!(output.status.success(), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{} item(s) published", ARTICLES + 2)),
            "{stderr}"
        );
    }

    /// A `vigie worker` on the queue and the store, in small batches.
    fn worker(&self, extra: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vigie"));
        command
            .args(["worker", "--queue", &self.nats.url(), "--db"])
            .arg(self.store.to_argument())
            .args(["--batch", "4", "--jobs", "1", "--ack-wait", "2", "--fast"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    /// Inputs the store has recorded so far (0 while it cannot be read).
    fn processed(&self) -> u64 {
        Store::connect_read_only(&self.store)
            .and_then(|store| store.counts())
            .map_or(0, |counts| counts.inputs)
    }

    /// Waits until the store has recorded some inputs, but not all.
    fn wait_until_under_way(&self) -> u64 {
        let started = Instant::now();
        while self.processed() == 0 {
            assert!(started.elapsed() < Duration::from_secs(120), "no progress");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.processed()
    }

    /// Asserts the store holds exactly what the in-process ingest made.
    fn assert_like_one_process(&self) {
        let store = Store::connect_read_only(&self.store).unwrap();
        assert_eq!(store.counts().unwrap(), self.reference);
        let failed: Vec<String> = store
            .failed_inputs()
            .unwrap()
            .into_iter()
            .map(|(origin, _)| origin)
            .collect();
        assert!(
            failed.iter().any(|o| o.ends_with("broken.txt")),
            "{failed:?}"
        );
        assert!(
            failed.iter().any(|o| o.ends_with("empty.txt")),
            "{failed:?}"
        );
    }

    /// Messages left in the queue.
    fn unfinished(&self) -> u64 {
        runtime().block_on(async {
            Queue::connect(&self.nats.url(), QueueConfig::default())
                .await
                .unwrap()
                .unfinished()
                .await
                .unwrap()
        })
    }
}

/// Runs `vigie` with `args` on the corpus in `scratch`, on the fast path.
fn vigie<const N: usize>(args: [&str; N], scratch: &Scratch) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .arg(scratch.join("articles"))
        .args(["--published", "2026-03-31", "--fast"])
        .output()
        .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Waits for a worker started with `--exit-when-idle`; fails after three minutes.
fn finish(mut worker: Child) -> String {
    let started = Instant::now();
    while worker.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(180) {
            let _ = worker.kill();
            let output = worker.wait_with_output().unwrap();
            panic!(
                "the worker did not finish: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = worker.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    stderr
}

#[test]
fn a_worker_killed_mid_batch_loses_and_duplicates_nothing() {
    let Some(setup) = Setup::new("kill") else {
        return;
    };
    setup.publish();
    let mut first = setup.worker(&[]).spawn().unwrap();
    let before_kill = setup.wait_until_under_way();
    first.kill().unwrap(); // SIGKILL, mid-run
    first.wait().unwrap();
    assert!(before_kill < (ARTICLES + 2) as u64, "killed before the end");
    // Its unacknowledged messages come back to the next worker after the wait.
    finish(setup.worker(&["--exit-when-idle"]).spawn().unwrap());
    setup.assert_like_one_process();
    assert_eq!(setup.unfinished(), 0);
}

#[test]
fn two_workers_at_once_write_what_one_process_writes() {
    let Some(setup) = Setup::new("two") else {
        return;
    };
    setup.publish();
    let workers = [
        setup.worker(&["--exit-when-idle"]).spawn().unwrap(),
        setup.worker(&["--exit-when-idle"]).spawn().unwrap(),
    ];
    for worker in workers {
        finish(worker);
    }
    setup.assert_like_one_process();
    // `vigie export` reads either store the same way: the same events, ids aside.
    let reference = Location::File(setup.scratch.join("reference.db"));
    assert_eq!(exported_events(&setup.store), exported_events(&reference));
}

/// The events `vigie export --format jsonl` gives for a store, without their store ids,
/// sorted.
fn exported_events(store: &Location) -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["export", "--format", "jsonl", "--db"])
        .arg(store.to_argument())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut events: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut event: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).unwrap();
            event.retain(|key, _| !key.ends_with("id"));
            serde_json::Value::Object(event).to_string()
        })
        .collect();
    events.sort();
    assert!(!events.is_empty());
    events
}

#[test]
fn workers_finish_when_the_nats_server_restarts_mid_run() {
    let Some(mut setup) = Setup::new("nats-restart") else {
        return;
    };
    setup.publish();
    let worker = setup.worker(&["--exit-when-idle"]).spawn().unwrap();
    let before_restart = setup.wait_until_under_way();
    setup.nats.restart().unwrap();
    assert!(before_restart < (ARTICLES + 2) as u64, "restarted mid-run");
    finish(worker);
    setup.assert_like_one_process();
    assert_eq!(setup.unfinished(), 0);
}

#[test]
fn workers_write_again_when_the_database_connections_are_cut() {
    let Some(setup) = Setup::new("pg-cut") else {
        return;
    };
    let Some(schema) = &setup.schema else {
        eprintln!("skipped: needs {TEST_DATABASE_VARIABLE} (scripts/test sets it)");
        return;
    };
    setup.publish();
    let worker = setup.worker(&["--exit-when-idle"]).spawn().unwrap();
    setup.wait_until_under_way();
    // What a PostgreSQL restart does to its clients, several times during the run.
    let mut cut = 0;
    for _ in 0..5 {
        cut += schema.end_connections().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }
    let stderr = finish(worker);
    assert!(cut > 0, "the worker's connection was cut");
    setup.assert_like_one_process();
    assert!(stderr.contains("writing the batch again"), "{stderr}");
}

#[test]
fn poison_messages_are_recorded_as_failed_not_redelivered_forever() {
    let Some(setup) = Setup::new("poison") else {
        return;
    };
    let url = setup.nats.url();
    runtime().block_on(async {
        let config = QueueConfig {
            ack_wait: Duration::from_secs(1),
            ..QueueConfig::default()
        };
        let queue = Queue::connect(&url, config).await.unwrap();
        // An input whose workers die holding it, twice (as one that crashes them would).
        let mut publisher = queue.publisher();
        let held = vigie_ingest::RawArticle::text("held.txt", "Des tirs ont visé Gao.");
        publisher
            .send(vigie_ingest::InputItem {
                origin: "held.txt".into(),
                article: Ok(held),
            })
            .await
            .unwrap();
        publisher.finish().await;
        let consumer = queue.consumer().await.unwrap();
        for delivery in 1..=2 {
            let batch = consumer
                .next_batch(1, Duration::from_secs(5))
                .await
                .unwrap();
            assert_eq!(
                (batch[0].origin.as_str(), batch[0].deliveries),
                ("held.txt", delivery)
            );
        }
        // A message that is not a work item at all.
        let client = async_nats::connect(&url).await.unwrap();
        let jetstream = async_nats::jetstream::new(client);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", "garbage-1");
        jetstream
            .publish_with_headers("VIGIE.work", headers, "\u{0}not json".into())
            .await
            .unwrap()
            .await
            .unwrap();
    });
    setup.publish();
    finish(
        setup
            .worker(&["--exit-when-idle", "--max-deliveries", "2"])
            .spawn()
            .unwrap(),
    );
    assert_eq!(setup.unfinished(), 0, "nothing left to loop on");
    let store = Store::connect_read_only(&setup.store).unwrap();
    let failed = store.failed_inputs().unwrap();
    let error_of = |origin: &str| {
        failed
            .iter()
            .find(|(o, _)| o == origin)
            .map(|(_, error)| error.clone())
            .unwrap_or_else(|| panic!("{origin} not recorded as failed: {failed:?}"))
    };
    assert!(error_of("garbage-1").contains("unreadable queue message"));
    assert!(error_of("held.txt").contains("gave up after 3 deliveries"));
    let counts = store.counts().unwrap();
    assert_eq!(counts.inputs, setup.reference.inputs + 2);
    assert_eq!(counts.failed, setup.reference.failed + 2);
    assert_eq!(counts.documents, setup.reference.documents);
}
