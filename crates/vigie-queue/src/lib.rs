//! Vigie's work queue on NATS JetStream, for running beyond one machine.
//!
//! `vigie ingest … --queue nats://…` publishes each input item (its origin, metadata and
//! text) as one message on a work-queue stream; `vigie worker` processes pull them, run
//! the pipeline, write to the shared store and acknowledge each message only once its
//! results are committed. A worker killed mid-batch leaves its messages unacknowledged:
//! the server delivers them again after the acknowledgement wait, and the store, which
//! skips every origin it has already recorded, writes nothing twice.
//!
//! Names on the server, for a queue called `NAME`: the stream `NAME` (subject
//! `NAME.work`, work-queue retention: a message is removed once acknowledged), its
//! durable pull consumer `workers` shared by every worker, and the object store
//! `NAME-bodies` for articles too large for one message.

mod item;
pub mod local_server;

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::object_store::{self, ObjectStore};
use async_nats::jetstream::stream::{self, DiscardPolicy, RetentionPolicy, StorageType};
use async_nats::jetstream::{self, AckKind, Context};
use futures_util::StreamExt;
use tokio::io::AsyncReadExt;
use vigie_ingest::InputItem;

pub use item::{Body, WorkItem};

/// Why a queue operation failed (every message names the queue's server or stream).
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The server could not be reached or refused an operation.
    #[error("NATS {url}: {message}")]
    Nats {
        /// The server's URL.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// The name of the durable consumer every worker pulls from.
const CONSUMER: &str = "workers";

/// Most messages published and not yet confirmed by the server: a publisher holds at
/// most this many items in memory.
const MAX_IN_FLIGHT: usize = 256;

/// How long past its own expiry a pull request may go unanswered before it is given up.
pub const PULL_GRACE: Duration = Duration::from_secs(5);

/// Room left in a message for its headers and JSON framing when deciding whether an
/// article's text goes inline or into the object store.
const FRAMING_BYTES: usize = 16 * 1024;

/// How a queue is set up on the server.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// The stream's name (letters, digits, `-` and `_`).
    pub name: String,
    /// Most bytes the stream holds before publishers wait for workers to catch up.
    pub max_bytes: i64,
    /// How long a worker may hold a message before the server delivers it again.
    pub ack_wait: Duration,
}

impl QueueConfig {
    /// The default queue: stream `VIGIE`, at most 1 GiB waiting, one minute to acknowledge.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            max_bytes: 1 << 30,
            ack_wait: Duration::from_secs(60),
        }
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self::named("VIGIE")
    }
}

/// A connection to one work queue: its stream, consumer and object store.
pub struct Queue {
    url: String,
    config: QueueConfig,
    jetstream: Context,
    bodies: ObjectStore,
    max_payload: usize,
}

impl Queue {
    /// Connects to the NATS server at `url` and creates the queue's stream, consumer and
    /// object store if they do not exist yet. The client reconnects by itself when the
    /// server restarts.
    pub async fn connect(url: &str, config: QueueConfig) -> Result<Self, QueueError> {
        let fail = |error: &dyn std::fmt::Display| QueueError::Nats {
            url: url.to_owned(),
            message: error.to_string(),
        };
        let client = async_nats::ConnectOptions::new()
            .name("vigie")
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| fail(&e))?;
        let max_payload = client.server_info().max_payload;
        let jetstream = jetstream::new(client);
        jetstream
            .get_or_create_stream(stream::Config {
                name: config.name.clone(),
                subjects: vec![subject(&config.name)],
                retention: RetentionPolicy::WorkQueue,
                storage: StorageType::File,
                discard: DiscardPolicy::New,
                max_bytes: config.max_bytes,
                ..Default::default()
            })
            .await
            .map_err(|e| fail(&e))?;
        let bodies = jetstream
            .create_object_store(object_store::Config {
                bucket: format!("{}-bodies", config.name),
                storage: StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|e| fail(&e))?;
        Ok(Self {
            url: url.to_owned(),
            config,
            jetstream,
            bodies,
            max_payload,
        })
    }

    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    fn error(&self, error: &dyn std::fmt::Display) -> QueueError {
        QueueError::Nats {
            url: self.url.clone(),
            message: format!("queue {}: {error}", self.config.name),
        }
    }

    /// A publisher that sends items to this queue.
    pub fn publisher(&self) -> Publisher<'_> {
        Publisher {
            queue: self,
            in_flight: VecDeque::new(),
            published: 0,
        }
    }

    /// The consumer every worker pulls from (created on first use).
    pub async fn consumer(&self) -> Result<Consumer<'_>, QueueError> {
        Ok(Consumer {
            queue: self,
            consumer: Mutex::new(self.pull_consumer().await?),
        })
    }

    /// The durable consumer on the server, created if it does not exist.
    async fn pull_consumer(&self) -> Result<PullConsumer, QueueError> {
        let stream = self
            .jetstream
            .get_stream(&self.config.name)
            .await
            .map_err(|e| self.error(&e))?;
        let consumer: PullConsumer = stream
            .get_or_create_consumer(
                CONSUMER,
                pull::Config {
                    durable_name: Some(CONSUMER.to_owned()),
                    ack_policy: AckPolicy::Explicit,
                    ack_wait: self.config.ack_wait,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| self.error(&e))?;
        Ok(consumer)
    }

    /// Messages waiting in the stream or held by a worker without acknowledgement.
    pub async fn unfinished(&self) -> Result<u64, QueueError> {
        let mut consumer = self.pull_consumer().await?;
        let info = consumer.info().await.map_err(|e| self.error(&e))?;
        Ok(info.num_pending + info.num_ack_pending as u64)
    }

    /// Deletes the queue's stream and object store (tests and benchmarks clean up).
    pub async fn delete(self) -> Result<(), QueueError> {
        self.jetstream
            .delete_stream(&self.config.name)
            .await
            .map_err(|e| self.error(&e))?;
        self.jetstream
            .delete_object_store(format!("{}-bodies", self.config.name))
            .await
            .map_err(|e| self.error(&e))?;
        Ok(())
    }
}

fn subject(name: &str) -> String {
    format!("{name}.work")
}

/// Sends items to a queue, holding at most [`MAX_IN_FLIGHT`] unconfirmed ones.
///
/// Each message carries its origin as `Nats-Msg-Id`, so the server drops an item
/// published twice within its duplicate window (a publisher restarted mid-run).
pub struct Publisher<'q> {
    queue: &'q Queue,
    in_flight: VecDeque<(WorkItem, PublishAckFuture)>,
    published: usize,
}

impl Publisher<'_> {
    /// Publishes one input item. Returns once the server has it or holds it in flight;
    /// when the stream is full (workers behind), waits and tries again.
    pub async fn send(&mut self, item: InputItem) -> Result<(), QueueError> {
        let mut item = WorkItem::from(item);
        if let Some(text) = item.large_body(self.queue.max_payload.saturating_sub(FRAMING_BYTES)) {
            let key = item.body_key();
            self.queue
                .bodies
                .put(key.as_str(), &mut text.as_bytes())
                .await
                .map_err(|e| self.queue.error(&e))?;
            item.store_body(key);
        }
        if self.in_flight.len() >= MAX_IN_FLIGHT {
            self.confirm_oldest().await;
        }
        let ack = self.publish(&item).await;
        self.in_flight.push_back((item, ack));
        Ok(())
    }

    /// Sends `item`, trying again until the client takes it (the server may be away).
    async fn publish(&self, item: &WorkItem) -> PublishAckFuture {
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", item.origin.as_str());
        let payload = serde_json::to_vec(item).expect("work items serialise");
        let mut pause = Duration::from_millis(100);
        loop {
            match self
                .queue
                .jetstream
                .publish_with_headers(
                    subject(self.queue.name()),
                    headers.clone(),
                    payload.clone().into(),
                )
                .await
            {
                Ok(ack) => return ack,
                Err(error) => {
                    eprintln!("{}: publish failed ({error}); retrying", self.queue.url);
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Waits for the oldest message's confirmation; publishes it again when the server
    /// refused it (stream full) or the confirmation was lost (server restarting).
    async fn confirm_oldest(&mut self) {
        let Some((item, mut ack)) = self.in_flight.pop_front() else {
            return;
        };
        let mut pause = Duration::from_millis(100);
        loop {
            match ack.await {
                Ok(_) => {
                    self.published += 1;
                    return;
                }
                Err(error) => {
                    eprintln!(
                        "{}: {} not confirmed ({error}); retrying",
                        self.queue.url, item.origin
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                    ack = self.publish(&item).await;
                }
            }
        }
    }

    /// Waits until the server has confirmed every item sent; returns how many it
    /// confirmed (an origin sent twice is confirmed twice and kept once).
    pub async fn finish(mut self) -> usize {
        while !self.in_flight.is_empty() {
            self.confirm_oldest().await;
        }
        self.published
    }
}

/// A worker's handle on the shared consumer.
pub struct Consumer<'q> {
    queue: &'q Queue,
    /// Replaced when the server stops answering (see [`Consumer::next_batch`]).
    consumer: Mutex<PullConsumer>,
}

impl Consumer<'_> {
    /// Pulls up to `max` messages: those waiting now, or, when none is, those that
    /// arrive within `wait`. An empty batch means nothing came.
    ///
    /// A pull the server never answers fails after `wait` and [`PULL_GRACE`]: a server
    /// killed and restarted may come back without the consumer (its state was not yet on
    /// disk), and answers no pull for it, so the consumer is then created again.
    pub async fn next_batch(
        &self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>, QueueError> {
        let consumer = self.consumer.lock().expect("consumer lock").clone();
        match tokio::time::timeout(wait + PULL_GRACE, self.pull(&consumer, max.max(1), wait)).await
        {
            Ok(batch) => batch,
            Err(_) => {
                let fresh = self.queue.pull_consumer().await?;
                *self.consumer.lock().expect("consumer lock") = fresh;
                Err(self.queue.error(&"no answer to a pull request"))
            }
        }
    }

    async fn pull(
        &self,
        consumer: &PullConsumer,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>, QueueError> {
        let waiting = consumer
            .fetch()
            .max_messages(max)
            .messages()
            .await
            .map_err(|e| self.queue.error(&e))?;
        let batch = self.collect(waiting).await?;
        if !batch.is_empty() {
            return Ok(batch);
        }
        let arriving = consumer
            .batch()
            .max_messages(max)
            .expires(wait)
            .messages()
            .await
            .map_err(|e| self.queue.error(&e))?;
        self.collect(arriving).await
    }

    async fn collect(&self, mut messages: pull::Batch) -> Result<Vec<Delivery>, QueueError> {
        let mut batch = Vec::new();
        while let Some(message) = messages.next().await {
            let message = message.map_err(|e| self.queue.error(&e))?;
            batch.push(self.delivery(message).await);
        }
        Ok(batch)
    }

    async fn delivery(&self, message: jetstream::Message) -> Delivery {
        let deliveries = message.info().map_or(1, |info| info.delivered);
        let origin = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get("Nats-Msg-Id"))
            .map_or_else(
                || "<queue message without origin>".to_owned(),
                |v| v.to_string(),
            );
        let (item, stored_body) = match serde_json::from_slice::<WorkItem>(&message.payload) {
            Ok(item) => {
                let key = match &item.body {
                    Body::Stored(key) => Some(key.clone()),
                    Body::Inline(_) => None,
                };
                (self.with_body(item).await, key)
            }
            Err(error) => (
                Err(format!("{origin}: unreadable queue message: {error}")),
                None,
            ),
        };
        Delivery {
            message,
            origin,
            item,
            deliveries,
            stored_body,
        }
    }

    /// The item with its text fetched from the object store if it was put there.
    async fn with_body(&self, mut item: WorkItem) -> Result<WorkItem, String> {
        if let Body::Stored(key) = &item.body {
            let mut object = self.queue.bodies.get(key).await.map_err(|e| {
                format!(
                    "{}: text not found in the queue's object store: {e}",
                    item.origin
                )
            })?;
            let mut text = String::new();
            object.read_to_string(&mut text).await.map_err(|e| {
                format!(
                    "{}: reading its text from the object store: {e}",
                    item.origin
                )
            })?;
            item.body = Body::Inline(text);
        }
        Ok(item)
    }
}

/// One message handed to a worker.
pub struct Delivery {
    message: jetstream::Message,
    /// The item's origin (also when the message could not be read).
    pub origin: String,
    /// The work item, or why the message could not be read.
    pub item: Result<WorkItem, String>,
    /// How many times the server has delivered this message (1 the first time).
    pub deliveries: i64,
    /// The object-store key of the item's text, if it was stored there.
    stored_body: Option<String>,
}

impl Delivery {
    /// Tells the server the message is done (its results are committed) and waits for
    /// the server to confirm, so a lost acknowledgement is noticed. Removes the
    /// article's text from the object store if it was there.
    pub async fn acknowledge(self, queue: &Queue) -> Result<(), QueueError> {
        self.message
            .double_ack()
            .await
            .map_err(|e| queue.error(&e))?;
        if let Some(key) = &self.stored_body {
            // A leftover object only costs space: the message is done either way.
            let _ = queue.bodies.delete(key).await;
        }
        Ok(())
    }

    /// Tells the server the work is still going on (restarts its acknowledgement wait).
    pub async fn still_working(&self, queue: &Queue) -> Result<(), QueueError> {
        self.message
            .ack_with(AckKind::Progress)
            .await
            .map_err(|e| queue.error(&e))
    }
}
