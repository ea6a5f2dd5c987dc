//! The rogue: a libp2p peer with the transport stack an honest node speaks (TCP, noise,
//! yamux, identify, gossipsub with Filecoin's message IDs, hello and chain exchange),
//! but whose hello and chain-exchange streams carry whatever bytes the test chooses,
//! in either direction. Its swarm runs on a task of its own; the test sends it
//! commands and waits for what it saw.

use async_trait::async_trait;
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, StreamExt};
use libp2p::gossipsub::{self, IdentTopic, MessageAuthenticity, ValidationMode};
use libp2p::request_response::{self, Message, OutboundRequestId, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{identify, Multiaddr, PeerId, StreamProtocol, Swarm};
use padma_net::codec::{CHAIN_EXCHANGE, HELLO};
use padma_net::wire::gossip::message_id;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The most bytes the rogue reads from one stream.
const READ_LIMIT: u64 = 8 << 20;

/// Request-response over raw bytes: what is written is exactly what the test gave, and
/// what is read is everything up to the end of the stream.
#[derive(Clone, Copy, Default)]
pub struct RawCodec;

async fn read_all<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    io.take(READ_LIMIT).read_to_end(&mut out).await?;
    Ok(out)
}

async fn write_all<T: AsyncWrite + Unpin + Send>(io: &mut T, bytes: Vec<u8>) -> io::Result<()> {
    io.write_all(&bytes).await?;
    io.flush().await
}

#[async_trait]
impl request_response::Codec for RawCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Vec<u8>> {
        read_all(io).await
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Vec<u8>> {
        read_all(io).await
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> io::Result<()> {
        write_all(io, req).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Vec<u8>,
    ) -> io::Result<()> {
        write_all(io, res).await
    }
}

#[derive(NetworkBehaviour)]
struct RogueBehaviour {
    identify: identify::Behaviour,
    gossipsub: gossipsub::Behaviour,
    hello: request_response::Behaviour<RawCodec>,
    xchg: request_response::Behaviour<RawCodec>,
}

/// How the rogue answers a request: the request's bytes in, the answer's bytes out.
pub type Answer = Box<dyn Fn(&[u8]) -> Vec<u8> + Send>;

/// What the rogue saw.
#[derive(Debug)]
pub enum Seen {
    /// The last connection with the peer closed.
    Disconnected(PeerId),
    /// The peer said hello (the raw request).
    Hello(PeerId, Vec<u8>),
    /// The peer asked for a chain segment (the raw request).
    Exchange(PeerId, Vec<u8>),
    /// The peer subscribed to a topic.
    Subscribed(PeerId, String),
}

type Reply<T> = oneshot::Sender<Result<T, String>>;

enum Command {
    Dial(Multiaddr, Reply<()>),
    Hello(PeerId, Vec<u8>, Reply<Vec<u8>>),
    Exchange(PeerId, Vec<u8>, Reply<Vec<u8>>),
    Publish(String, Vec<u8>, Reply<()>),
}

/// A running rogue peer.
pub struct Rogue {
    /// Its peer ID.
    pub id: PeerId,
    commands: mpsc::UnboundedSender<Command>,
    seen: mpsc::UnboundedReceiver<Seen>,
    backlog: VecDeque<Seen>,
    xchg_answer: Arc<Mutex<Answer>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Rogue {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn gossip(key: &libp2p::identity::Keypair) -> gossipsub::Behaviour {
    let config = gossipsub::ConfigBuilder::default()
        .validation_mode(ValidationMode::Strict)
        .message_id_fn(|m: &gossipsub::Message| gossipsub::MessageId::new(&message_id(&m.data)))
        // Room to send more than an honest node accepts.
        .max_transmit_size(4 << 20)
        .flood_publish(true)
        // A flood is sent whole, however long it takes to get through.
        .publish_queue_duration(Duration::from_secs(300))
        .connection_handler_queue_len(100_000)
        .heartbeat_interval(Duration::from_secs(1))
        .build()
        .unwrap();
    gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), config).unwrap()
}

impl Rogue {
    /// Starts a rogue subscribed to `topics`, answering hellos with `hello_answer` and
    /// chain-exchange requests with `xchg_answer` (changeable later).
    pub fn start(topics: &[String], hello_answer: Answer, xchg_answer: Answer) -> Rogue {
        let rr = request_response::Config::default()
            .with_request_timeout(Duration::from_secs(30))
            .with_max_concurrent_streams(4096);
        let mut swarm: Swarm<RogueBehaviour> = libp2p::SwarmBuilder::with_new_identity()
            .with_tokio()
            .with_tcp(
                libp2p::tcp::Config::default().nodelay(true),
                libp2p::noise::Config::new,
                || {
                    let mut c = libp2p::yamux::Config::default();
                    c.set_max_num_streams(8192);
                    c
                },
            )
            .unwrap()
            .with_behaviour(|key| RogueBehaviour {
                identify: identify::Behaviour::new(identify::Config::new(
                    "ipfs/0.1.0".into(),
                    key.public(),
                )),
                gossipsub: gossip(key),
                hello: request_response::Behaviour::with_codec(
                    RawCodec,
                    [(HELLO, ProtocolSupport::Full)],
                    rr.clone(),
                ),
                xchg: request_response::Behaviour::with_codec(
                    RawCodec,
                    [(CHAIN_EXCHANGE, ProtocolSupport::Full)],
                    rr,
                ),
            })
            .unwrap()
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(300)))
            .build();
        for t in topics {
            swarm
                .behaviour_mut()
                .gossipsub
                .subscribe(&IdentTopic::new(t.clone()))
                .unwrap();
        }
        let id = *swarm.local_peer_id();
        let (commands, cmd_rx) = mpsc::unbounded_channel();
        let (seen_tx, seen) = mpsc::unbounded_channel();
        let hello_answer = Arc::new(Mutex::new(hello_answer));
        let xchg_answer = Arc::new(Mutex::new(xchg_answer));
        let driver = Driver {
            swarm,
            seen: seen_tx,
            hello_answer: hello_answer.clone(),
            xchg_answer: xchg_answer.clone(),
            dials: HashMap::new(),
            requests: HashMap::new(),
        };
        let task = tokio::spawn(driver.run(cmd_rx));
        Rogue {
            id,
            commands,
            seen,
            backlog: VecDeque::new(),
            xchg_answer,
            task,
        }
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, String> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(make(tx))
            .map_err(|_| "the rogue stopped".to_string())?;
        rx.await.map_err(|_| "the rogue stopped".to_string())?
    }

    /// Dials `addr` (ending in `/p2p/<id>`); returns once connected.
    pub async fn dial(&self, addr: Multiaddr) -> Result<(), String> {
        self.ask(|tx| Command::Dial(addr, tx)).await
    }

    /// Sends `bytes` on a hello stream to `peer`; the answer's bytes.
    pub fn hello(
        &self,
        peer: PeerId,
        bytes: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, String>> + '_ {
        self.ask(move |tx| Command::Hello(peer, bytes, tx))
    }

    /// Sends `bytes` on a chain-exchange stream to `peer`; the answer's bytes.
    pub fn exchange(
        &self,
        peer: PeerId,
        bytes: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, String>> + '_ {
        self.ask(move |tx| Command::Exchange(peer, bytes, tx))
    }

    /// Publishes `data` on `topic`.
    pub async fn publish(&self, topic: &str, data: Vec<u8>) -> Result<(), String> {
        self.ask(|tx| Command::Publish(topic.to_string(), data, tx))
            .await
    }

    /// Changes how chain-exchange requests are answered.
    pub fn answer_exchanges(&self, answer: Answer) {
        *self.xchg_answer.lock().unwrap() = answer;
    }

    /// Waits (up to `limit`) for something seen that `pick` takes, and takes it out;
    /// what `pick` made of it. What it passes over stays for later waits.
    pub async fn try_wait_for<T>(
        &mut self,
        limit: Duration,
        mut pick: impl FnMut(&Seen) -> Option<T>,
    ) -> Option<T> {
        if let Some((i, t)) = self
            .backlog
            .iter()
            .enumerate()
            .find_map(|(i, s)| pick(s).map(|t| (i, t)))
        {
            self.backlog.remove(i);
            return Some(t);
        }
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.seen.recv()).await {
                Ok(Some(s)) => match pick(&s) {
                    Some(t) => return Some(t),
                    None => self.backlog.push_back(s),
                },
                Ok(None) => panic!("the rogue stopped"),
                Err(_) => return None,
            }
        }
    }

    /// [`Rogue::try_wait_for`], failing the test after `limit`.
    pub async fn wait_for<T>(
        &mut self,
        limit: Duration,
        pick: impl FnMut(&Seen) -> Option<T>,
    ) -> T {
        self.try_wait_for(limit, pick)
            .await
            .unwrap_or_else(|| panic!("the rogue did not see what it waited for within {limit:?}"))
    }

    /// Waits (up to `limit`) for `peer` to close its last connection; false if it did
    /// not.
    pub async fn disconnected_by(&mut self, peer: PeerId, limit: Duration) -> bool {
        self.try_wait_for(limit, |s| {
            matches!(s, Seen::Disconnected(p) if *p == peer).then_some(())
        })
        .await
        .is_some()
    }
}

/// The swarm's task.
struct Driver {
    swarm: Swarm<RogueBehaviour>,
    seen: mpsc::UnboundedSender<Seen>,
    hello_answer: Arc<Mutex<Answer>>,
    xchg_answer: Arc<Mutex<Answer>>,
    dials: HashMap<PeerId, Vec<Reply<()>>>,
    requests: HashMap<OutboundRequestId, Reply<Vec<u8>>>,
}

impl Driver {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        loop {
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(c) => self.on_command(c),
                    None => return,
                },
                event = self.swarm.select_next_some() => self.on_event(event),
            }
        }
    }

    fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Dial(addr, tx) => {
                let peer = addr.iter().find_map(|p| match p {
                    libp2p::multiaddr::Protocol::P2p(id) => Some(id),
                    _ => None,
                });
                let Some(peer) = peer else {
                    let _ = tx.send(Err(format!("{addr} names no peer")));
                    return;
                };
                if self.swarm.is_connected(&peer) {
                    let _ = tx.send(Ok(()));
                    return;
                }
                match self.swarm.dial(addr) {
                    Ok(()) => self.dials.entry(peer).or_default().push(tx),
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                }
            }
            Command::Hello(peer, bytes, tx) => {
                let id = self.swarm.behaviour_mut().hello.send_request(&peer, bytes);
                self.requests.insert(id, tx);
            }
            Command::Exchange(peer, bytes, tx) => {
                let id = self.swarm.behaviour_mut().xchg.send_request(&peer, bytes);
                self.requests.insert(id, tx);
            }
            Command::Publish(topic, data, tx) => {
                let r = self
                    .swarm
                    .behaviour_mut()
                    .gossipsub
                    .publish(IdentTopic::new(topic), data);
                let _ = tx.send(r.map(|_| ()).map_err(|e| e.to_string()));
            }
        }
    }

    fn on_event(&mut self, event: SwarmEvent<RogueBehaviourEvent>) {
        match event {
            SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                for tx in self.dials.remove(&peer_id).unwrap_or_default() {
                    let _ = tx.send(Ok(()));
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                let _ = self.seen.send(Seen::Disconnected(peer_id));
            }
            SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer),
                error,
                ..
            } => {
                for tx in self.dials.remove(&peer).unwrap_or_default() {
                    let _ = tx.send(Err(error.to_string()));
                }
            }
            SwarmEvent::Behaviour(RogueBehaviourEvent::Hello(e)) => self.on_request_event(e, true),
            SwarmEvent::Behaviour(RogueBehaviourEvent::Xchg(e)) => self.on_request_event(e, false),
            SwarmEvent::Behaviour(RogueBehaviourEvent::Gossipsub(
                gossipsub::Event::Subscribed { peer_id, topic },
            )) => {
                let _ = self
                    .seen
                    .send(Seen::Subscribed(peer_id, topic.into_string()));
            }
            _ => {}
        }
    }

    fn on_request_event(&mut self, event: request_response::Event<Vec<u8>, Vec<u8>>, hello: bool) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                Message::Request {
                    request, channel, ..
                } => {
                    let answer = if hello {
                        (self.hello_answer.lock().unwrap())(&request)
                    } else {
                        (self.xchg_answer.lock().unwrap())(&request)
                    };
                    let _ = self.seen.send(if hello {
                        Seen::Hello(peer, request)
                    } else {
                        Seen::Exchange(peer, request)
                    });
                    let b = self.swarm.behaviour_mut();
                    let _ = if hello {
                        b.hello.send_response(channel, answer)
                    } else {
                        b.xchg.send_response(channel, answer)
                    };
                }
                Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(tx) = self.requests.remove(&request_id) {
                        let _ = tx.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                if let Some(tx) = self.requests.remove(&request_id) {
                    let _ = tx.send(Err(error.to_string()));
                }
            }
            _ => {}
        }
    }
}
