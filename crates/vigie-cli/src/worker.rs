//! `vigie worker`: pulls input items from the NATS JetStream work queue, analyses them
//! and writes the results to the store (SQLite or PostgreSQL); run any number of them,
//! on any number of machines.
//!
//! A batch is acknowledged only after its transaction commits. What can go wrong, and
//! what happens then:
//! - the worker dies mid-batch: the server delivers the unacknowledged messages again
//!   after the acknowledgement wait, to this or another worker; the store skips every
//!   origin it already recorded, so nothing is written twice;
//! - the store is unreachable (PostgreSQL restarting): the write is retried, with the
//!   connection opened again, until it commits, while the worker tells the server it is
//!   still working on the batch; it pulls at most one batch ahead meanwhile (back-pressure);
//! - the NATS server restarts: the client reconnects; an acknowledgement that did not
//!   reach it means a redelivery, which the store skips;
//! - an input crashes every worker that takes it: a redelivered message is analysed on
//!   its own, so it takes down no other; after `--max-deliveries` it is recorded in the
//!   store as failed, with why, and acknowledged.

use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use clap::Args;
use vigie_pipeline::Pipeline;
use vigie_queue::{Delivery, Queue, QueueConfig, WorkItem};
use vigie_store::{Location, Outcome, Store, WriteSummary};

use crate::alerts::{Notifier, WebhookArgs};
use crate::ingest::analyse_item;
use crate::inputs::PipelineArgs;
use crate::parallel::parallel_map_on;

/// Arguments of `vigie worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The NATS JetStream server (`nats://host:4222`).
    #[arg(long, value_name = "URL")]
    queue: String,
    /// The queue's stream on the NATS server.
    #[arg(long, default_value = "VIGIE")]
    queue_name: String,
    /// The store to write: a PostgreSQL URL (`postgres://user@host/database`) for
    /// workers on several machines, or a SQLite file for workers on one.
    #[arg(long, default_value = "vigie.db")]
    db: Location,
    /// Analysis threads (default: one per core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Messages pulled, analysed and written together (one transaction).
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Seconds a worker may hold a message before the server gives it to another
    /// (applies when the queue's consumer is first created).
    #[arg(long, default_value_t = 60)]
    ack_wait: u64,
    /// Deliveries after which a message whose worker stopped each time is recorded as
    /// failed instead of analysed again.
    #[arg(long, default_value_t = 5)]
    max_deliveries: i64,
    /// Stop once the queue holds no message (for batch runs and benchmarks); by default
    /// a worker waits for more.
    #[arg(long)]
    exit_when_idle: bool,
    /// How the pipeline runs.
    #[command(flatten)]
    analysis: PipelineArgs,
    /// How saved searches' webhooks are reached.
    #[command(flatten)]
    webhooks: WebhookArgs,
}

/// Longest pause between two attempts to reach the store.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Runs `vigie worker`.
pub fn run(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let pipeline = args.analysis.pipeline()?;
    let store = Store::connect(&args.db)?;
    // Analysis and writes run on blocking threads; one runtime thread keeps the NATS
    // connection answered meanwhile.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let notifier = Notifier::start(&args.db, &args.webhooks)?;
    let totals = runtime.block_on(work(&args, pipeline, store, &notifier))?;
    notifier.finish();
    eprintln!(
        "{}: {} stored, {} duplicates, {} failed, {} already processed",
        args.db, totals.stored, totals.duplicates, totals.failed, totals.skipped
    );
    Ok(ExitCode::SUCCESS)
}

async fn work(
    args: &WorkerArgs,
    pipeline: Pipeline<'static>,
    store: Store,
    notifier: &Notifier,
) -> anyhow::Result<WriteSummary> {
    let config = QueueConfig {
        ack_wait: Duration::from_secs(args.ack_wait.max(1)),
        ..QueueConfig::named(&args.queue_name)
    };
    let queue = Arc::new(Queue::connect(&args.queue, config).await?);
    let consumer = queue.consumer().await?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get()));
    let mut writer = Writer {
        idle: Some(store),
        busy: None,
        totals: WriteSummary::default(),
        notifier,
    };
    // Waiting for messages to arrive: a second, or a tenth when an empty queue ends the run.
    let wait = Duration::from_millis(if args.exit_when_idle { 100 } else { 1000 });
    let fetch = || next_batch(&consumer, args.batch, wait);
    let mut batch = fetch().await;
    loop {
        if batch.is_empty() {
            writer.wait().await?;
            if args.exit_when_idle && queue.unfinished().await.is_ok_and(|n| n == 0) {
                return Ok(writer.totals);
            }
            batch = fetch().await;
            continue;
        }
        // The next batch is fetched while this one is analysed.
        let analysed = async {
            // A redelivered message goes alone: if it is what killed a worker, it takes
            // no other message down with it next time.
            let (fresh, redelivered): (Vec<_>, Vec<_>) = batch
                .into_iter()
                .partition(|delivery| delivery.deliveries == 1);
            let groups = std::iter::once(fresh).chain(redelivered.into_iter().map(|d| vec![d]));
            for group in groups.filter(|group| !group.is_empty()) {
                let outcomes = analyse(&group, pipeline, jobs, args.max_deliveries).await?;
                writer
                    .write(outcomes, group, Arc::clone(&queue), &args.db)
                    .await?;
            }
            anyhow::Ok(())
        };
        let (analysed, next) = tokio::join!(analysed, fetch());
        analysed?;
        batch = next;
    }
}

/// Up to `max` messages from the queue (none if nothing came within `wait`); while the
/// server cannot be reached, tries again every second.
async fn next_batch(
    consumer: &vigie_queue::Consumer<'_>,
    max: usize,
    wait: Duration,
) -> Vec<Delivery> {
    loop {
        match consumer.next_batch(max, wait).await {
            Ok(batch) => return batch,
            Err(error) => {
                eprintln!("{error}; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Writes one group while the next is analysed: a group's write and acknowledgements
/// run as a task, and the next write waits for it (one connection, groups in order).
struct Writer<'n> {
    /// The connection, when no write is running and it is open.
    idle: Option<Store>,
    /// The write running, which hands the connection back.
    busy: Option<tokio::task::JoinHandle<(Option<Store>, WriteSummary)>>,
    /// What the finished writes did.
    totals: WriteSummary,
    /// Told of each finished write (it may have recorded alerts).
    notifier: &'n Notifier,
}

impl Writer<'_> {
    /// Waits for the running write, if any.
    async fn wait(&mut self) -> anyhow::Result<()> {
        if let Some(busy) = self.busy.take() {
            let (connection, summary) = busy.await?;
            self.idle = connection;
            self.totals = crate::ingest::add(self.totals, summary);
            self.notifier.written();
        }
        Ok(())
    }

    /// Starts writing `outcomes` and acknowledging `group` once they are committed.
    async fn write(
        &mut self,
        outcomes: Vec<Outcome>,
        group: Vec<Delivery>,
        queue: Arc<Queue>,
        db: &Location,
    ) -> anyhow::Result<()> {
        self.wait().await?;
        let connection = self.idle.take();
        let db = db.clone();
        self.busy = Some(tokio::spawn(async move {
            let written = write_until_committed(connection, outcomes, &group, &queue, &db).await;
            let acknowledgements = group.into_iter().map(|d| d.acknowledge(&queue));
            for result in futures_util::future::join_all(acknowledgements).await {
                if let Err(error) = result {
                    eprintln!("{error}: the message will come again and the store will skip it");
                }
            }
            written
        }));
        Ok(())
    }
}

/// The outcome of each delivery, analysed on `jobs` threads.
async fn analyse(
    group: &[Delivery],
    pipeline: Pipeline<'static>,
    jobs: usize,
    max_deliveries: i64,
) -> anyhow::Result<Vec<Outcome>> {
    let work: Vec<(String, i64, Result<WorkItem, String>)> = group
        .iter()
        .map(|d| (d.origin.clone(), d.deliveries, d.item.clone()))
        .collect();
    let outcomes = tokio::task::spawn_blocking(move || {
        parallel_map_on(jobs, &work, |(origin, deliveries, item)| {
            if *deliveries > max_deliveries {
                return Outcome::Failed {
                    origin: origin.clone(),
                    error: format!(
                        "{origin}: gave up after {deliveries} deliveries: the worker \
                         analysing it stopped each time (killed, crashed or out of memory)"
                    ),
                };
            }
            let article = item.clone().and_then(WorkItem::into_article);
            analyse_item(&pipeline, origin.clone(), article)
        })
    })
    .await?;
    Ok(outcomes)
}

/// Writes `outcomes` in one transaction, retrying (with a new connection) until it
/// commits; meanwhile the server is told the group's messages are still being worked on.
async fn write_until_committed(
    mut connection: Option<Store>,
    outcomes: Vec<Outcome>,
    group: &[Delivery],
    queue: &Queue,
    db: &Location,
) -> (Option<Store>, WriteSummary) {
    let outcomes = Arc::new(outcomes);
    let mut pause = Duration::from_millis(200);
    loop {
        let location = db.clone();
        let batch = Arc::clone(&outcomes);
        let store = connection.take();
        let attempt = tokio::task::spawn_blocking(move || {
            let mut store = match store {
                Some(store) => store,
                None => Store::connect(&location)?,
            };
            let summary = store.write(&batch)?;
            anyhow::Ok((store, summary))
        })
        .await;
        match attempt {
            Ok(Ok((store, summary))) => return (Some(store), summary),
            Ok(Err(error)) => eprintln!("{db}: {error}; writing the batch again"),
            Err(error) => eprintln!("{db}: {error}; writing the batch again"),
        }
        // The connection may be broken (a server restart): the next attempt opens one.
        for delivery in group {
            // If the server misses this too, the message comes again later: harmless.
            let _ = delivery.still_working(queue).await;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}
