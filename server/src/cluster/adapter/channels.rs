//! Channel names of the classic adapter (key `socket.io`, namespace `/`):
//! broadcasts `socket.io#/#` and `socket.io#/#<room>#` (one pattern subscription
//! `socket.io#/#*`), requests `socket.io-request#/#`, responses `socket.io-response#/#` (shared)
//! and `socket.io-response#/#<uid>#` (addressed).
//!
//! [`AdapterChannels::classify`] reads the room out of a broadcast channel name so a node can drop
//! a single-room broadcast for a room it does not have *before decoding* — the one saving the
//! classic protocol allows (socket.io #5226: every node still receives every broadcast).

/// The channel names of one namespace, built once per node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterChannels {
    nsp: String,
    broadcast: String,
    request: String,
    response: String,
    own_response: String,
}

/// What a channel name is, for this namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind<'a> {
    /// A broadcast; `room` is set when it targets exactly one room.
    Broadcast {
        room: Option<&'a str>,
    },
    Request,
    /// A response, on the shared channel or one addressed to some node (Node's adapter does not
    /// tell them apart either: it matches by request id).
    Response,
    /// Another namespace, another key, or not an adapter channel.
    Other,
}

impl AdapterChannels {
    /// The channels for adapter key `key`, namespace `nsp`, and this node's adapter `uid`.
    pub fn new(key: &str, nsp: &str, uid: &str) -> Self {
        Self {
            nsp: nsp.to_owned(),
            broadcast: format!("{key}#{nsp}#"),
            request: format!("{key}-request#{nsp}#"),
            response: format!("{key}-response#{nsp}#"),
            own_response: format!("{key}-response#{nsp}#{uid}#"),
        }
    }

    pub fn namespace(&self) -> &str {
        &self.nsp
    }

    /// The namespace-wide broadcast channel.
    pub fn broadcast(&self) -> &str {
        &self.broadcast
    }

    /// The pattern to PSUBSCRIBE for every broadcast of the namespace, glob characters of the key
    /// and namespace escaped so that `/a*` does not also match `/ab`.
    pub fn broadcast_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.broadcast.len() + 2);
        for c in self.broadcast.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('*');
        pattern
    }

    /// The channel of a broadcast to `rooms`: the room's own channel when there is exactly one,
    /// the namespace channel otherwise (as the Node adapter publishes).
    pub fn broadcast_for(&self, rooms: &[String]) -> String {
        match rooms {
            [room] => format!("{}{room}#", self.broadcast),
            _ => self.broadcast.clone(),
        }
    }

    pub fn request(&self) -> &str {
        &self.request
    }

    /// The shared response channel (where the Node adapter answers by default).
    pub fn response(&self) -> &str {
        &self.response
    }

    /// This node's own response channel (every Node adapter subscribes to its own).
    pub fn own_response(&self) -> &str {
        &self.own_response
    }

    /// The response channel addressed to the node with adapter id `uid`.
    pub fn response_to(&self, uid: &str) -> String {
        format!("{}{uid}#", self.response)
    }

    /// Classifies a channel name without looking at the payload.
    pub fn classify<'a>(&self, channel: &'a str) -> ChannelKind<'a> {
        if let Some(rest) = channel.strip_prefix(self.broadcast.as_str()) {
            return match rest {
                "" => ChannelKind::Broadcast { room: None },
                _ => match rest.strip_suffix('#') {
                    Some("") => ChannelKind::Broadcast { room: None },
                    Some(room) => ChannelKind::Broadcast { room: Some(room) },
                    None => ChannelKind::Other,
                },
            };
        }
        if channel == self.request {
            ChannelKind::Request
        } else if channel.starts_with(self.response.as_str()) {
            ChannelKind::Response
        } else {
            ChannelKind::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_node_adapter() {
        let c = AdapterChannels::new("socket.io", "/", "abc123");
        assert_eq!(c.broadcast(), "socket.io#/#");
        assert_eq!(c.broadcast_pattern(), "socket.io#/#*");
        assert_eq!(c.broadcast_for(&["r1".into()]), "socket.io#/#r1#");
        assert_eq!(c.broadcast_for(&["a".into(), "b".into()]), "socket.io#/#");
        assert_eq!(c.request(), "socket.io-request#/#");
        assert_eq!(c.response(), "socket.io-response#/#");
        assert_eq!(c.own_response(), "socket.io-response#/#abc123#");
    }

    #[test]
    fn classify_reads_the_room_before_any_decoding() {
        let c = AdapterChannels::new("socket.io", "/", "u");
        assert_eq!(
            c.classify("socket.io#/#"),
            ChannelKind::Broadcast { room: None }
        );
        assert_eq!(
            c.classify("socket.io#/#room#1#"),
            ChannelKind::Broadcast {
                room: Some("room#1")
            }
        );
        assert_eq!(c.classify("socket.io#/#noterm"), ChannelKind::Other);
        assert_eq!(c.classify("socket.io#/lobby#"), ChannelKind::Other);
        assert_eq!(c.classify("socket.io-request#/#"), ChannelKind::Request);
        assert_eq!(
            c.classify("socket.io-response#/#zz#"),
            ChannelKind::Response
        );
        assert_eq!(c.classify("petri:rooms-changed"), ChannelKind::Other);
        assert_eq!(
            AdapterChannels::new("k", "/a*", "u").broadcast_pattern(),
            "k#/a\\*#*"
        );
    }
}
