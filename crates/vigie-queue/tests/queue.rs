//! The work queue against a real NATS server (a `nats-server` of the test's own; the
//! tests skip with a message when none is installed — `scripts/test` installs it).

use std::time::Duration;

use vigie_ingest::{IngestError, InputItem, RawArticle};
use vigie_queue::local_server::LocalServer;
use vigie_queue::{Queue, QueueConfig};

fn server(purpose: &str) -> Option<LocalServer> {
    match LocalServer::start(purpose) {
        Some(server) => Some(server.expect("nats-server starts")),
        None => {
            eprintln!("skipped: no nats-server installed (scripts/test installs it)");
            None
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn article(origin: &str, text: String) -> InputItem {
    let mut raw = RawArticle::text(origin, text);
    raw.published = Some("2026-03-03".into());
    InputItem {
        origin: origin.into(),
        article: Ok(raw),
    }
}

#[test]
fn items_arrive_whole_large_ones_through_the_object_store_and_once_per_origin() {
    let Some(server) = server("roundtrip") else {
        return;
    };
    runtime().block_on(async {
        let queue = Queue::connect(&server.url(), QueueConfig::named("ROUNDTRIP"))
            .await
            .unwrap();
        let large = "Les forces ont bombardé Mossoul. ".repeat(80_000); // 2.6 MB
        let mut publisher = queue.publisher();
        publisher
            .send(article(
                "small.txt",
                "Des manifestants ont défilé à Paris.".into(),
            ))
            .await
            .unwrap();
        publisher
            .send(article("large.txt", large.clone()))
            .await
            .unwrap();
        publisher
            .send(InputItem {
                origin: "bad.bin".into(),
                article: Err(IngestError::Binary {
                    input: "bad.bin".into(),
                }),
            })
            .await
            .unwrap();
        // Published again (a publisher restarted): the server keeps one copy.
        publisher
            .send(article(
                "small.txt",
                "Des manifestants ont défilé à Paris.".into(),
            ))
            .await
            .unwrap();
        assert_eq!(publisher.finish().await, 4, "confirmed by the server");
        assert_eq!(queue.unfinished().await.unwrap(), 3);

        let consumer = queue.consumer().await.unwrap();
        let batch = consumer
            .next_batch(10, Duration::from_secs(2))
            .await
            .unwrap();
        let origins: Vec<&str> = batch.iter().map(|d| d.origin.as_str()).collect();
        assert_eq!(origins, ["small.txt", "large.txt", "bad.bin"]);
        assert!(batch.iter().all(|d| d.deliveries == 1));
        let texts: Vec<Result<String, String>> = batch
            .iter()
            .map(|d| {
                d.item
                    .clone()
                    .and_then(|item| item.into_article())
                    .map(|raw| match raw.content {
                        vigie_ingest::Content::Text(text) | vigie_ingest::Content::Html(text) => {
                            text
                        }
                    })
            })
            .collect();
        assert_eq!(texts[1].as_deref(), Ok(large.as_str()));
        assert!(texts[2].as_ref().unwrap_err().contains("binary"));
        for delivery in batch {
            delivery.acknowledge(&queue).await.unwrap();
        }
        assert_eq!(
            queue.unfinished().await.unwrap(),
            0,
            "acknowledged messages leave"
        );
        queue.delete().await.unwrap();
    });
}

#[test]
fn a_message_not_acknowledged_in_time_is_delivered_again() {
    let Some(server) = server("redeliver") else {
        return;
    };
    runtime().block_on(async {
        let config = QueueConfig {
            ack_wait: Duration::from_secs(1),
            ..QueueConfig::named("REDELIVER")
        };
        let queue = Queue::connect(&server.url(), config).await.unwrap();
        let mut publisher = queue.publisher();
        publisher
            .send(article("a.txt", "Un convoi a été attaqué.".into()))
            .await
            .unwrap();
        publisher.finish().await;
        let consumer = queue.consumer().await.unwrap();
        let first = consumer
            .next_batch(1, Duration::from_secs(2))
            .await
            .unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].deliveries, 1);
        drop(first); // the worker died holding it
        let again = consumer
            .next_batch(1, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(
            again.len(),
            1,
            "delivered again after the acknowledgement wait"
        );
        assert_eq!(
            (again[0].origin.as_str(), again[0].deliveries),
            ("a.txt", 2)
        );
        for delivery in again {
            delivery.acknowledge(&queue).await.unwrap();
        }
        assert_eq!(queue.unfinished().await.unwrap(), 0);
    });
}
