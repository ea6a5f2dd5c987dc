use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A service that runs until the shutdown, counting its clean stops.
fn until_stopped(
    shutdown: &Shutdown,
    stops: &Arc<AtomicUsize>,
) -> impl Future<Output = anyhow::Result<()>> {
    let requested = shutdown.requested();
    let stops = stops.clone();
    async move {
        requested.await;
        stops.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn failure_text(r: Result<(), ServiceFailure>) -> String {
    match r {
        Ok(()) => panic!("the run succeeded"),
        Err(e) => format!("{:#}", anyhow::Error::from(e)),
    }
}

#[tokio::test]
async fn the_callers_future_stops_every_service() {
    let shutdown = Shutdown::new();
    let stops = Arc::new(AtomicUsize::new(0));
    let mut s = Supervisor::new(shutdown.clone());
    s.add("a", until_stopped(&shutdown, &stops));
    s.add("b", until_stopped(&shutdown, &stops));
    s.run(tokio::time::sleep(Duration::from_millis(20)))
        .await
        .expect("a clean stop");
    assert_eq!(stops.load(Ordering::SeqCst), 2);
    assert!(shutdown.is_requested());
}

#[tokio::test]
async fn a_shutdown_request_stops_every_service() {
    let shutdown = Shutdown::new();
    let stops = Arc::new(AtomicUsize::new(0));
    let mut s = Supervisor::new(shutdown.clone());
    s.add("a", until_stopped(&shutdown, &stops));
    let api = shutdown.sender();
    s.add("api", async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        api.send_replace(true);
        Ok(())
    });
    s.run(std::future::pending()).await.expect("a clean stop");
    assert_eq!(stops.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failing_service_stops_the_others_and_is_named() {
    let shutdown = Shutdown::new();
    let stops = Arc::new(AtomicUsize::new(0));
    let mut s = Supervisor::new(shutdown.clone());
    s.add("steady", until_stopped(&shutdown, &stops));
    s.add("rpc", async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        anyhow::bail!("address in use")
    });
    let said = failure_text(s.run(std::future::pending()).await);
    assert_eq!(said, "service \"rpc\" failed: address in use");
    assert_eq!(stops.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_panicking_service_is_a_failure() {
    let shutdown = Shutdown::new();
    let stops = Arc::new(AtomicUsize::new(0));
    let mut s = Supervisor::new(shutdown.clone());
    s.add("steady", until_stopped(&shutdown, &stops));
    s.add("boom", async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        panic!("out of cheese");
    });
    let said = failure_text(s.run(std::future::pending()).await);
    assert_eq!(said, "service \"boom\" failed: panicked: out of cheese");
    assert_eq!(stops.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_first_failure_wins_even_while_stopping() {
    let shutdown = Shutdown::new();
    let mut s = Supervisor::new(shutdown.clone());
    s.add("first", async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        anyhow::bail!("one")
    });
    let requested = shutdown.requested();
    s.add("second", async move {
        requested.await;
        anyhow::bail!("two")
    });
    let said = failure_text(s.run(std::future::pending()).await);
    assert_eq!(said, "service \"first\" failed: one");
}

#[tokio::test]
async fn a_service_ending_by_itself_stops_the_rest_cleanly() {
    let shutdown = Shutdown::new();
    let stops = Arc::new(AtomicUsize::new(0));
    let mut s = Supervisor::new(shutdown.clone());
    s.add("steady", until_stopped(&shutdown, &stops));
    s.add("brief", async { Ok(()) });
    s.run(std::future::pending()).await.expect("a clean stop");
    assert_eq!(stops.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_service_that_does_not_stop_is_abandoned_after_the_timeout() {
    let shutdown = Shutdown::new();
    let mut s = Supervisor::new(shutdown.clone()).stop_timeout(Duration::from_millis(50));
    s.add("stubborn", std::future::pending::<anyhow::Result<()>>());
    let started = std::time::Instant::now();
    s.run(async {}).await.expect("abandoning is not a failure");
    assert!(started.elapsed() < Duration::from_secs(5));
}
